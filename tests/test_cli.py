"""The CLI: every command as README documents it, and one-line errors for bad input."""

import pytest

from wizard.models import Member, Organization


def run(runner, *args):
    return runner.invoke(args=list(args))


def test_org_create(runner, db):
    result = run(
        runner,
        "org",
        "create",
        "Acme Inc",
        "--slug",
        "acme",
        "--seats",
        "5",
        "--enterprise",
        "--timezone",
        "Europe/Paris",
    )
    assert result.exit_code == 0, result.output
    acme = Organization.get(Organization.slug == "acme")
    assert (acme.name, acme.seat_limit, acme.enterprise_enabled, acme.timezone) == (
        "Acme Inc",
        5,
        True,
        "Europe/Paris",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["org", "create", "X", "--slug", "Bad_Slug"], "lowercase letters"),
        (["org", "create", "X", "--slug", "ok", "--timezone", "Mars/Base"], "Unknown time zone"),
        (["org", "create", "X", "--slug", "ok", "--seats", "-1"], "Invalid value for '--seats'"),
        (["org", "create", "X"], "Missing option '--slug'"),
        (
            [
                "member",
                "create-admin",
                "--org",
                "nope",
                "--email",
                "a@b.example.com",
                "--password",
                "long enough password",
            ],
            "No organization with the slug 'nope'",
        ),
        (
            [
                "member",
                "create-admin",
                "--org",
                "acme",
                "--email",
                "not-an-email",
                "--password",
                "long enough password",
            ],
            "is not a valid email address",
        ),
        (
            [
                "member",
                "create-admin",
                "--org",
                "acme",
                "--email",
                "a@b.example.com",
                "--password",
                "short",
            ],
            "at least 12 characters",
        ),
        (
            ["member", "create-staff", "--email", "x", "--password", "long enough password"],
            "is not a valid email address",
        ),
    ],
)
def test_bad_input_is_one_line_error(runner, db, org, args, message):
    """Wrong input exits non-zero with a one-line message and no traceback."""
    result = run(runner, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_duplicate_org_is_refused(runner, db, org):
    result = run(runner, "org", "create", "Acme", "--slug", "acme")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: An organization with the slug 'acme' already exists."


def test_member_create_admin_and_staff(runner, db, org):
    result = run(
        runner,
        "member",
        "create-admin",
        "--org",
        "acme",
        "--email",
        "boss@acme.example.com",
        "--password",
        "long enough password",
    )
    assert result.exit_code == 0, result.output
    boss = Member.get(Member.email_key == "boss@acme.example.com")
    assert boss.role == "EnterpriseAdmin" and boss.organization_id == org.id
    result = run(
        runner,
        "member",
        "create-staff",
        "--email",
        "help@connector.example.com",
        "--password",
        "long enough password",
    )
    assert result.exit_code == 0, result.output
    assert Member.get(Member.email_key == "help@connector.example.com").is_staff


def test_demo_prints_credentials_that_work(runner, client, db):
    """``demo`` prints an email and password that sign in through the real form."""
    from tests.conftest import Auth

    result = run(runner, "demo")
    assert result.exit_code == 0, result.output
    lines = dict(
        line.strip().split(":", 1)
        for line in result.output.splitlines()
        if line.strip().startswith(("email", "password"))
    )
    response = Auth(client).login(email=lines["email"].strip(), password=lines["password"].strip())
    assert response.headers["Location"] == "/org/"


@pytest.mark.parametrize("group", ["db", "org", "member"])
def test_help_is_available(runner, group):
    result = run(runner, group, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


NEW_PASSWORD = "long enough password"
NEW_ACCOUNT_COMMANDS = pytest.mark.parametrize(
    "command",
    [
        ["member", "create-admin", "--org", "acme", "--email", "boss@acme.example.com"],
        ["member", "create-staff", "--email", "help@connector.example.com"],
    ],
    ids=["create-admin", "create-staff"],
)


@NEW_ACCOUNT_COMMANDS
def test_new_password_comes_from_a_hidden_prompt_typed_twice(runner, db, org, command):
    """Without ``--password`` the password is asked for, hidden (never echoed), twice; a
    mismatch asks again; nothing lands in argv or shell history."""
    typed = f"{NEW_PASSWORD}\nsomething else\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    result = runner.invoke(args=command, input=typed)
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "do not match" in result.output
    assert NEW_PASSWORD not in result.output
    email = command[command.index("--email") + 1]
    assert Member.get(Member.email_key == email).password_hash


@NEW_ACCOUNT_COMMANDS
def test_new_password_comes_from_the_environment(runner, db, org, client, command):
    """``OKTA_CONNECTOR_PASSWORD`` gives the password with no prompt (scripts, CI); the
    account signs in with it."""
    from tests.conftest import Auth

    result = runner.invoke(args=command, env={"OKTA_CONNECTOR_PASSWORD": NEW_PASSWORD})
    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output
    email = command[command.index("--email") + 1]
    assert Auth(client).login(email=email, password=NEW_PASSWORD).status_code == 302


def test_password_on_the_command_line_still_works_with_a_warning(runner, db, org):
    """``--password`` keeps working for existing scripts, and says why to prefer the others."""
    result = runner.invoke(
        args=[
            "member",
            "create-staff",
            "--email",
            "h@connector.example.com",
            "--password",
            NEW_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "visible to other users" in result.output


def test_closed_input_creates_nothing(runner, db, org):
    """No terminal, no variable, no flag: the prompt ends the command, nothing is made."""
    result = runner.invoke(args=["member", "create-staff", "--email", "h@connector.example.com"])
    assert result.exit_code != 0
    assert not Member.select().where(Member.email_key == "h@connector.example.com").exists()


def test_demo_refuses_in_production(tmp_path):
    """Attack by accident: on a production install a customer's organization has the
    slug `demo`; `flask demo` added an EnterpriseAdmin with a password printed on the
    terminal to that customer's organization (or reset and reactivated it), unaudited.
    Production refuses the command; owners are made with `member create-admin`."""
    from tests.test_config import production
    from wizard import create_app
    from wizard.db import database

    app = create_app(production(tmp_path, SCHEDULER="off"))
    runner = app.test_cli_runner()
    assert run(runner, "db", "init").exit_code == 0
    customer = ["org", "create", "Demo GmbH", "--slug", "demo", "--enterprise"]
    assert run(runner, *customer).exit_code == 0
    result = run(runner, "demo")
    assert result.exit_code == 1 and "development" in result.output
    assert "password" not in result.output
    with app.app_context(), database.connection_context():
        assert not Member.select().exists()
