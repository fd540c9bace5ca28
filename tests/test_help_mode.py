"""The first minutes in a shell: ``flask --app app --help`` and every command's ``--help``
work with no variable set, while anything that serves or touches data still refuses with
one line naming the variable (subprocesses with an empty environment)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wizard import help_mode

ROOT = Path(__file__).resolve().parent.parent
REFUSAL = "okta-connector refuses to start: SECRET_KEY is not set"


def flask(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m flask --app app ARGS`` in a fresh shell: nothing but PATH set."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_top_level_help_lists_the_commands_in_a_fresh_shell():
    """Before: 'refuses to start: SECRET_KEY is not set' instead of the help."""
    result = flask("--help")
    assert result.returncode == 0, result.stderr
    for command in ("db", "demo", "org", "member", "scim", "sso", "sync", "scheduler"):
        assert f"  {command} " in result.stdout
    assert "refuses" not in result.stdout + result.stderr


def test_a_nested_command_shows_its_help():
    result = flask("sync", "run", "--help")
    assert result.returncode == 0, result.stderr
    assert "--dry-run" in result.stdout and "--org" in result.stdout


# Every command the app registers, found and asked for its help in one fresh process (a
# process per command would take a minute): the same FlaskGroup the `flask` script runs.
EVERY_COMMAND_HELP = """
import json, os, sys
sys.argv = ["flask", "--app", "app", "--help"]
os.environ["FLASK_RUN_FROM_CLI"] = "true"  # what the flask script sets before loading
import click
from flask.cli import cli
results = {}
def walk(group, path):
    for name, command in sorted(group.commands.items()):
        here = path + [name]
        if isinstance(command, click.Group):
            walk(command, here)
        try:
            cli.main(["--app", "app", *here, "--help"], prog_name="flask", standalone_mode=False)
            results[" ".join(here)] = "ok"
        except BaseException as error:
            results[" ".join(here)] = repr(error)
import app
walk(app.app.cli, [])
print(json.dumps(results))
"""


def test_every_command_has_help_without_settings():
    result = subprocess.run(
        [sys.executable, "-c", EVERY_COMMAND_HELP],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(results) > 25, results  # groups and their commands: db, org, sso, sync...
    assert {name: outcome for name, outcome in results.items() if outcome != "ok"} == {}


@pytest.mark.parametrize(
    "args",
    [
        ("db", "upgrade"),  # touches data
        ("run",),  # serves
        ("scheduler",),
        ("shell",),
        ("sync", "run", "--org", "acme"),
        # --help as an option's value: the command would run, so it refuses all the same
        ("org", "create", "Acme", "--slug", "--help"),
    ],
)
def test_serving_or_touching_data_still_refuses_in_one_line(args):
    result = flask(*args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"{REFUSAL} (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
    ]


def test_a_command_refuses_before_asking_for_a_secret():
    """With no settings the password prompt is never reached: nothing would keep it."""
    result = flask("member", "create-staff", "--email", "a@example.com", "--password", "--help")
    assert result.returncode == 1
    assert REFUSAL in result.stderr


def test_help_mode_only_on_the_flask_command_line():
    """The refusing app never replaces the real one elsewhere (gunicorn, tests, scripts)."""
    cli = {"FLASK_RUN_FROM_CLI": "true"}
    assert help_mode.asks_for_help(["/venv/bin/flask", "--app", "app", "--help"], cli)
    assert help_mode.asks_for_help(["/usr/lib/python3/flask/__main__.py", "-A", "app"], cli)
    assert help_mode.asks_for_help(["flask", "--app", "app", "db", "--help"], cli)
    assert not help_mode.asks_for_help(["flask", "--app", "app", "db", "upgrade"], cli)
    assert not help_mode.asks_for_help(["flask", "--app", "app", "--help"], {})
    assert not help_mode.asks_for_help(["/venv/bin/gunicorn", "--help"], cli)
    assert not help_mode.asks_for_help(["/venv/bin/pytest", "-q"], cli)
