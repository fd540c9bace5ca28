"""No secret, token or password appears in any log line, or on a page after it was
first shown, across a run touching every kind of secret."""

import logging

import pytest

from tests.conftest import PASSWORD, csrf_token, run_sync_now
from tests.fakes.okta_api import TOKEN as API_TOKEN
from tests.test_sso import configure, crafted, round_trip  # noqa: F401 (fixture)


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs(app):
    handler = Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(message)s %(args)s"))
    loggers = [logging.getLogger(), app.logger]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler.lines
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_secrets_never_reach_logs_or_later_pages(
    app,
    client,
    auth,
    admin,
    scim,
    crafted,  # noqa: F811
    synced_org,
    okta,
    all_logs,
):
    placeholder = "okta-placeholder-Pa55"
    scim.post(
        "/Users",
        {
            "userName": "jane@acme.example.com",
            "password": placeholder,
            "name": {"givenName": "J", "familyName": "D"},
        },
    )
    scim.post("/Users", {"userName": "bad", "password": placeholder})  # a refusal, logged
    client_secret = "client-secret-1"  # what configure() stored for the crafted provider
    okta.add_users(2)
    run_sync_now(app, synced_org)
    auth.login()
    pages = [
        client.get(path).text
        for path in (
            "/integrations",
            "/connect/okta/sso",
            "/connect/okta/credentials",
            "/integrations/okta/api",
            "/team/audit",
            "/team/failed-migrations",
            "/team/failed-migrations.csv",
        )
    ]
    client.post("/logout", data={"csrf_token": csrf_token(pages[0])})
    round_trip(client)  # an Okta sign-in: code, tokens, id_token
    secrets = {
        "SCIM token": scim.token,
        "client secret": client_secret,
        "Okta API token": API_TOKEN,
        "password": PASSWORD,
        "Okta's placeholder password": placeholder,
    }
    text = "\n".join(all_logs)
    assert len(all_logs) > 20, "the run should have logged something"
    for name, secret in secrets.items():
        assert secret not in text, f"{name} in the logs"
        assert all(secret not in page for page in pages), f"{name} on a page"
