"""A new sign-in configuration is staged: saving an issuer, client ID or secret makes a
*pending* configuration; the live one keeps signing people in until an EnterpriseAdmin's
test sign-in against the pending one passes. Two crafted providers on 127.0.0.1 play the
trusted Okta and a hostile one."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import PASSWORD, LiveServer, csrf_token, enter_setup_link
from tests.fakes.crafted_op import CraftedProvider
from tests.test_sso import CLIENT_ID, configure, make_jane, round_trip, verify_domain
from wizard.domain import accounts, setup_links
from wizard.domain.roles import OrgRole
from wizard.models import AuditEvent, Member, OktaConnection, SsoConfiguration


@pytest.fixture
def jane(org, db):
    return make_jane(org)


@pytest.fixture
def trusted(app, org, db):
    """The organization's live provider."""
    provider = CraftedProvider()
    server = LiveServer(provider).start()
    provider.base = server.url
    configure(app, org, server.url)
    verify_domain(org, "acme.example.com")
    yield provider
    server.stop()


@pytest.fixture
def hostile(db):
    """A provider an attacker runs: it vouches for any email the attacker wants."""
    provider = CraftedProvider()
    server = LiveServer(provider).start()
    provider.base = server.url
    yield provider
    server.stop()


@pytest.fixture
def ops_admin(org):
    """An organization Admin (not EnterpriseAdmin)."""
    return accounts.create_local_admin(org, "ops@acme.example.com", PASSWORD, OrgRole.ADMIN)


def save_sso_step(client, issuer, client_id=CLIENT_ID, secret="hostile-secret-1"):
    page = client.get("/connect/okta/sso")
    return client.post(
        "/connect/okta/sso",
        data={
            "csrf_token": csrf_token(page.text),
            "okta_domain": issuer,
            "client_id": client_id,
            "client_secret": secret,
            "email_domain": "acme.example.com",
        },
    )


def sign_out(client):
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})


def sign_in_target(client) -> str:
    """Where our sign-in start sends the browser: the provider that signs people in."""
    return client.get("/login/okta/acme").headers["Location"]


def activations_to(issuer: str) -> list:
    """``sso.configuration_activated`` events that made ``issuer`` live."""
    events = AuditEvent.select().where(AuditEvent.action == "sso.configuration_activated")
    return [e for e in events if e.details.get("to_issuer") == issuer]


def signed_in_as(member) -> bool:
    return (
        AuditEvent.select()
        .where((AuditEvent.action == "auth.sign_in") & (AuditEvent.actor == member.id))
        .exists()
    )


def test_admin_cannot_point_sign_in_at_a_hostile_provider(
    client, auth, trusted, hostile, ops_admin, admin
):
    """Attack: an Admin swaps the issuer for their own provider, which then vouches for
    the owner's email. The change is refused (CONFIGURE_SSO is EnterpriseAdmin), and
    sign-in still goes to the trusted provider."""
    auth.login(email=ops_admin.email)
    assert save_sso_step(client, hostile.base).status_code == 403
    sign_out(client)
    hostile.overrides = {"email": admin.email, "sub": "00u-evil"}
    assert sign_in_target(client).startswith(trusted.base + "/authorize")
    round_trip(client)
    assert not signed_in_as(admin)


def test_enterprise_admin_change_stays_pending_until_their_test_sign_in(
    client, app, auth, trusted, hostile, admin, jane
):
    """An EnterpriseAdmin's new issuer is pending: the live provider keeps signing people
    in; the EA's passing test sign-in against the new one makes it live (audited, with
    the old and the new issuer), and only then does sign-in go there."""
    auth.login()
    assert save_sso_step(client, hostile.base).status_code == 302
    page = client.get("/connect/okta/sso").text
    assert "Pending" in page and hostile.base in page and "run the test sign-in" in page
    sign_out(client)
    assert sign_in_target(client).startswith(trusted.base + "/authorize")
    assert round_trip(client).headers["Location"] == "/account"  # jane, through the live one
    assert signed_in_as(jane)
    sign_out(client)

    auth.login()
    hostile.overrides = {"email": admin.email, "sub": "00u-ada"}
    test = round_trip(client, mode="test")
    assert test.headers["Location"] == "/connect/okta/sso"
    assert "Test sign-in passed" in client.get("/connect/okta/sso").text
    [event] = activations_to(hostile.base)
    assert event.details["from_issuer"] == trusted.base
    assert event.details["to_issuer"] == hostile.base
    assert event.actor_id == admin.id
    sign_out(client)
    assert sign_in_target(client).startswith(hostile.base + "/authorize")


def test_admin_test_sign_in_shows_the_result_but_activates_nothing(
    client, auth, trusted, hostile, admin, ops_admin
):
    """An Admin may run the test sign-in against the pending configuration and see what
    the provider sends, but only an EnterpriseAdmin's passing test makes it live."""
    auth.login()
    save_sso_step(client, hostile.base)
    sign_out(client)
    auth.login(email=ops_admin.email)
    round_trip(client, mode="test")
    page = client.get("/connect/okta/sso").text
    assert "Test sign-in passed" in page
    assert "only an EnterpriseAdmin" in page
    assert activations_to(hostile.base) == []
    sign_out(client)
    assert sign_in_target(client).startswith(trusted.base + "/authorize")


def test_setup_link_holder_prepares_and_tests_but_never_activates(
    app, trusted, hostile, admin, org
):
    """Someone holding a setup link may save SSO settings and run the test sign-in; the
    configuration stays pending and the live provider keeps signing people in."""
    with app.test_request_context():
        _, url = setup_links.create(org, admin, "Sam from IT", timedelta(days=1))
    it_person = app.test_client()
    enter_setup_link(it_person, url)
    assert save_sso_step(it_person, hostile.base).status_code == 302
    hostile.overrides = {"email": "sam@acme.example.com", "sub": "00u-sam"}
    test = round_trip(it_person, mode="test")
    assert test.status_code == 302 and test.headers["Location"] == "/connect/okta/sso"
    page = it_person.get("/connect/okta/sso").text
    assert "Test sign-in passed" in page and "only an EnterpriseAdmin" in page
    assert activations_to(hostile.base) == []
    assert sign_in_target(app.test_client()).startswith(trusted.base + "/authorize")


# --- flask sso configure ------------------------------------------------------------------


def cli_configure(runner, issuer, *extra, **kwargs):
    args = ["sso", "configure", "--org", "acme", "--issuer", issuer, "--client-id", CLIENT_ID]
    args += ["--email-domain", "acme.example.com", *extra]
    return runner.invoke(args=args, **kwargs)


def test_cli_saves_a_pending_configuration(runner, app, org, hostile, db):
    """Without --activate the CLI stages, like the wizard: nobody signs in through it."""
    result = cli_configure(runner, hostile.base, "--client-secret", "argv-secret-1234")
    assert result.exit_code == 0, result.output
    assert "pending" in result.output
    connection = OktaConnection.get()
    assert connection.live_sso is None and connection.pending_sso.issuer == hostile.base
    assert app.test_client().get("/login/okta/acme").status_code == 404


def test_cli_secret_typed_in_argv_is_warned_about(runner, org, hostile, db):
    """A secret on the command line is visible to other users (ps) and stays in shell
    history: it still works, with the same warning as the other secrets; the prompt and
    the environment variable get none."""
    typed = cli_configure(runner, hostile.base, "--client-secret", "argv-secret-1234")
    assert typed.exit_code == 0 and "Warning: --client-secret on the command line" in typed.output
    prompted = cli_configure(runner, hostile.base, "--client-secret", input="typed-9012\n")
    assert prompted.exit_code == 0 and "Warning" not in prompted.output


def test_cli_activate_is_audited_as_a_cli_action(runner, org, trusted, hostile):
    """--activate makes the settings live at once, audited with actor 'cli' and a note
    that no test sign-in ran."""
    result = cli_configure(runner, hostile.base, "--activate")
    assert result.exit_code == 0, result.output
    assert OktaConnection.get().live_sso.issuer == hostile.base
    [event] = activations_to(hostile.base)
    assert event.actor_label == "cli" and event.details["from_issuer"] == trusted.base
    assert event.details["tested"] is False and "without a test sign-in" in event.details["note"]


def test_cli_secret_from_the_environment_or_a_hidden_prompt(runner, app, org, hostile, db):
    """OKTA_CONNECTOR_CLIENT_SECRET or ``--client-secret`` alone (hidden prompt) keep the
    secret out of argv and shell history."""
    from wizard.sso import configurations as sso_configurations

    def saved_secret():
        with app.app_context():
            return sso_configurations.secret_of(OktaConnection.get().pending_sso)

    result = cli_configure(runner, hostile.base, env={"OKTA_CONNECTOR_CLIENT_SECRET": "env-5678"})
    assert result.exit_code == 0, result.output
    assert saved_secret() == "env-5678"
    result = cli_configure(runner, hostile.base, "--client-secret", input="typed-9012\n")
    assert result.exit_code == 0, result.output
    assert "typed-9012" not in result.output  # hidden input
    assert saved_secret() == "typed-9012"


def test_cli_enforce_follows_the_pages_rules(runner, org, trusted, admin):
    """--enforce needs a live configuration that passed a test sign-in and a break-glass
    admin, as on the sign-in rules form."""
    from wizard.models import SsoConfiguration

    untested = cli_configure(runner, trusted.base, "--enforce", "--break-glass", admin.email)
    assert untested.exit_code == 1 and "test sign-in" in untested.output
    assert OktaConnection.get().sign_in_policy.sso_enforced is False
    SsoConfiguration.update(tested_at=SsoConfiguration.get().created_at).execute()
    no_glass = cli_configure(runner, trusted.base, "--enforce")
    assert no_glass.exit_code == 1 and "break-glass" in no_glass.output
    stranger = cli_configure(runner, trusted.base, "--enforce", "--break-glass", "x@example.com")
    assert stranger.exit_code == 1 and "not a local admin" in stranger.output
    done = cli_configure(runner, trusted.base, "--enforce", "--break-glass", admin.email)
    assert done.exit_code == 0, done.output
    connection = OktaConnection.get()
    assert (
        connection.sign_in_policy.sso_enforced
        and connection.sign_in_policy.break_glass_id == admin.id
    )
    assert AuditEvent.get(AuditEvent.action == "sso.enforcement_changed").actor_label == "cli"


def enforced_from_cli(runner, trusted, admin):
    SsoConfiguration.update(tested_at=SsoConfiguration.get().created_at).execute()
    done = cli_configure(runner, trusted.base, "--enforce", "--break-glass", admin.email)
    assert done.exit_code == 0, done.output


def test_cli_enforce_keeps_the_break_glass_admin_local(runner, org, trusted, admin):
    """``sso configure --enforce`` goes through ``enforcement.set_enforcement``: the
    break-glass admin it names is kept local, so a push from Okta cannot lock it out."""
    admin.keep_local = False
    admin.save()
    enforced_from_cli(runner, trusted, admin)
    assert Member.get_by_id(admin.id).keep_local
    assert OktaConnection.get().sign_in_policy.break_glass_id == admin.id


def test_cli_no_enforce_turns_the_requirement_off(runner, org, trusted, admin):
    """``--no-enforce`` does what it says (it was accepted and ignored), audited like the
    page; leaving both flags out changes nothing."""
    enforced_from_cli(runner, trusted, admin)
    kept = cli_configure(runner, trusted.base)
    assert kept.exit_code == 0, kept.output
    assert OktaConnection.get().sign_in_policy.sso_enforced
    off = cli_configure(runner, trusted.base, "--no-enforce")
    assert off.exit_code == 0, off.output
    assert not OktaConnection.get().sign_in_policy.sso_enforced
    last = AuditEvent.select().where(AuditEvent.action == "sso.enforcement_changed")
    event = last.order_by(AuditEvent.id.desc()).get()
    assert (event.actor_label, event.details["sso_enforced"]) == (
        "cli",
        {"from": True, "to": False},
    )


def test_a_new_issuer_never_receives_the_stored_client_secret(
    client, auth, trusted, hostile, admin
):
    """Attack: change the issuer, leave the secret empty ("keep the saved one") and run
    the test sign-in: the hostile token endpoint would receive the live client secret.
    A stored secret is kept only while issuer and client ID stay the same."""
    auth.login()
    save_sso_step(client, hostile.base, secret="")
    round_trip(client, mode="test")
    assert hostile.token_requests, "the test sign-in reached the hostile provider"
    sent = hostile.token_requests[-1]
    assert sent["authorization"] == "" and "client_secret" not in sent
    assert "…et-1" not in client.get("/connect/okta/sso").text  # no hint of a kept secret


def test_admin_sees_the_sso_step_read_only(client, auth, trusted, ops_admin):
    """An Admin sees the live settings and may test them, but gets no form to change
    them (and the POST is refused, see the first test)."""
    auth.login(email=ops_admin.email)
    page = client.get("/connect/okta/sso")
    assert page.status_code == 200 and trusted.base in page.text
    assert 'id="sso-read-only"' in page.text and 'name="okta_domain"' not in page.text
    assert "Test sign-in" in page.text


def test_a_followed_link_cannot_activate_a_setup_link_holders_provider(
    app, client, auth, trusted, hostile, admin, org, jane
):
    """Attack: someone holding a setup link saves their own provider (pending), then gets
    a signed-in EnterpriseAdmin to open ``/login/okta/acme?mode=test`` (a link in a
    mail, an image-less redirect from any site). The hostile provider answers at once,
    and the EnterpriseAdmin's browser would finish a passing test sign-in they never
    chose to run, making the provider live. A test sign-in starts only from the wizard's
    CSRF-protected button: the followed link is refused and nothing goes live."""
    with app.test_request_context():
        _, url = setup_links.create(org, admin, "Sam from IT", timedelta(days=1))
    it_person = app.test_client()
    enter_setup_link(it_person, url)
    assert save_sso_step(it_person, hostile.base).status_code == 302
    hostile.overrides = {"email": jane.email, "sub": "00u-evil"}

    auth.login()
    lured = client.get("/login/okta/acme?mode=test")
    if lured.status_code == 302 and lured.headers["Location"].startswith(hostile.base):
        round_trip_from(client, lured)
    assert activations_to(hostile.base) == []
    assert lured.headers["Location"] == "/connect/okta/sso"  # to the wizard's button
    sign_out(client)
    assert sign_in_target(client).startswith(trusted.base + "/authorize")


def round_trip_from(client, start):
    """Follow our start's redirect through the provider back to our callback."""
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")
