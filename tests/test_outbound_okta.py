"""The Okta API client behind the outbound door, attacked by a hostile Okta (the emulator
told to misbehave): a next link to another server, redirects, huge pages, remote text in
errors, an apps answer that is not a list."""

import pytest

from tests.conftest import csrf_token, run_sync_now
from tests.fakes.okta_api import TOKEN
from tests.fakes.recorder import Recorder
from wizard.models import OktaConnection
from wizard.sync.okta_api import OktaApiError, OktaClient

PHISHING = "Your Okta tenant is locked. Call +1 555 0100 to verify your identity"


@pytest.fixture
def elsewhere():
    """Another server on 127.0.0.1: a different origin than the org URL."""
    server = Recorder().start()
    yield server
    server.stop()


def test_next_link_to_another_origin_stops_the_sync_without_the_token(
    app, synced_org, okta, elsewhere
):
    """Okta's Link: rel="next" naming another server: the run fails with our message and
    that server never gets a request, so never the API token."""
    okta.add_users(3)
    okta.page_size = 1
    okta.next_base = elsewhere.url
    run = run_sync_now(app, synced_org)
    assert run.status == "failed"
    assert "next page" in run.error and "another server" in run.error
    assert elsewhere.requests == []


def test_redirect_from_okta_to_a_private_address_is_not_followed(app, elsewhere):
    """A 302 from the (allowed) org URL to another address: refused, nothing fetched there
    (plain requests followed it before the door)."""
    redirector = Recorder().start()
    redirector.answer = lambda environ: (
        "302 Found",
        [("Location", f"{elsewhere.url}/latest/meta-data")],
        b"",
    )
    try:
        with app.app_context(), pytest.raises(OktaApiError) as error:
            OktaClient(redirector.url, TOKEN, sleep=lambda s: None).get("/api/v1/users/me")
    finally:
        redirector.stop()
    assert error.value.kind == "refused" and "redirect" in error.value.message
    assert elsewhere.requests == []


def test_an_oversized_page_is_refused(app, elsewhere):
    """An API page over the 4 MB bound: refused, not read into memory to the end."""
    item = b'{"id": "00u", "pad": "' + b"x" * 1000 + b'"}'
    body = b"[" + b",".join([item] * 5000) + b"]"  # 5 MB
    elsewhere.answer = lambda environ: ("200 OK", [("Content-Type", "application/json")], body)
    with app.app_context(), pytest.raises(OktaApiError) as error:
        OktaClient(elsewhere.url, TOKEN, sleep=lambda s: None).get("/api/v1/users")
    assert error.value.kind == "refused" and "too large" in error.value.message


def test_remote_text_is_never_echoed_on_the_page(client, auth, admin, okta):
    """Okta's errorSummary (free text) and status reason phrase stay out of our page; the
    fixed errorCode may be named."""
    okta.answers["/api/v1/users"] = (
        f"401 {PHISHING}",
        {"errorCode": "E0000011", "errorSummary": PHISHING},
    )
    okta.answers["/api/v1/groups"] = (
        f"500 {PHISHING}",
        {"errorCode": "E0000009", "errorSummary": PHISHING},
    )
    auth.login()
    page = client.get("/integrations/okta/api")
    client.post(
        "/integrations/okta/api",
        data={"org_url": okta.url, "api_token": TOKEN, "csrf_token": csrf_token(page.text)},
    )
    shown = client.get("/integrations/okta/api").text
    assert "Security &gt; API &gt; Tokens" in shown and "E0000011" in shown
    assert "555 0100" not in shown and "locked" not in shown


def test_remote_text_is_never_echoed_by_the_cli(runner, db, org, okta):
    okta.answers["/api/v1/users"] = (
        f"401 {PHISHING}",
        {"errorCode": "E0000011", "errorSummary": PHISHING},
    )
    result = runner.invoke(
        args=["sync", "configure", "--org", "acme", "--org-url", okta.url, "--api-token", TOKEN]
    )
    assert result.exit_code == 1 and "Security > API > Tokens" in result.output
    assert "555 0100" not in result.output and "locked" not in result.output


@pytest.mark.parametrize("answer", [{"error": "nope"}, "a string", 42, [1, "x", None]])
def test_apps_answer_that_is_not_a_list_of_apps_fails_the_cli_test_and_saves_nothing(
    runner, db, org, okta, answer
):
    """Test connection when /api/v1/apps answers something else: one clear line, exit 1,
    no traceback, and the connection is not saved."""
    okta.answers["/api/v1/apps"] = ("200 OK", answer)
    result = runner.invoke(
        args=["sync", "configure", "--org", "acme", "--org-url", okta.url, "--api-token", TOKEN]
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert "list of apps" in result.output
    connection = OktaConnection.get()
    assert (connection.api.org_url or "", connection.api.token or "") == ("", "")


def test_apps_answer_that_is_not_a_list_is_a_failed_check_on_the_page(client, auth, admin, okta):
    okta.answers["/api/v1/apps"] = ("200 OK", {"error": "nope"})
    auth.login()
    page = client.get("/integrations/okta/api")
    response = client.post(
        "/integrations/okta/api",
        data={"org_url": okta.url, "api_token": TOKEN, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    shown = client.get("/integrations/okta/api").text
    assert "list of apps" in shown
    assert OktaConnection.get().api.last_check["ok"] is False
