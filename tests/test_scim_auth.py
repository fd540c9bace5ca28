"""SCIM authentication, tokens and tenant isolation."""

import base64
import json

import pytest
import requests

from tests.conftest import issue_scim_client
from wizard.domain import connections
from wizard.models import FailedMigration, Member, OktaConnection, ScimEvent, ScimToken
from wizard.scim import request_log


def raw_get(url, authorization=None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return requests.get(url, headers=headers, timeout=10)


def assert_scim_401(response):
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "401" and body["detail"]


@pytest.mark.parametrize(
    "scheme",
    ["Bearer {t}", "bearer {t}", "{t}", "Basic {basic}"],
    ids=["bearer", "lower", "bare", "basic"],
)
def test_accepted_credential_forms(scim, scheme):
    """Bearer (HTTP Header mode), a bare token (Header mode) and Basic with the key."""
    key = scim.base.rsplit("/", 1)[1]
    basic = base64.b64encode(f"{key}:{scim.token}".encode()).decode()
    response = raw_get(scim.base + "/Users", scheme.format(t=scim.token, basic=basic))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "authorization",
    [None, "", "non-token", "Bearer", "Bearer wrong", "Basic !!!", "Token abc def"],
    ids=["missing", "empty", "non-token", "no-token", "wrong", "bad-basic", "junk"],
)
def test_bad_credentials_get_scim_401(scim, authorization):
    assert_scim_401(raw_get(scim.base + "/Users", authorization))


def test_basic_with_another_user_name_is_refused(scim):
    basic = base64.b64encode(f"someoneelse:{scim.token}".encode()).decode()
    assert_scim_401(raw_get(scim.base + "/Users", f"Basic {basic}"))


def test_unknown_key_is_the_same_401_and_not_logged(scim, live_server, db):
    """A key that does not exist answers like a wrong token: nothing leaks."""
    response = raw_get(f"{live_server.url}/scim/v2/doesnotexist123/Users", f"Bearer {scim.token}")
    assert_scim_401(response)
    assert response.json()["detail"] == raw_get(scim.base + "/Users", "Bearer x").json()["detail"]


def test_failed_attempt_is_noted_for_the_wizard(scim, db):
    raw_get(scim.base + "/Users", "Bearer stale-token")
    connection = OktaConnection.get()
    assert connection.scim_health.last_auth_failure_at is not None
    assert connection.scim_health.last_auth_failure_ip == "127.0.0.1"


def test_tokens_are_stored_only_as_digests(scim, db):
    token = ScimToken.get()
    assert scim.token.startswith("okcs_") and len(scim.token) > 40
    assert scim.token not in (token.digest, token.prefix)
    assert token.digest == connections.token_digest(scim.token)


def test_successful_use_records_time_and_ip(scim, db):
    scim.get("/Users")
    token = ScimToken.get()
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"
    assert OktaConnection.get().scim_health.last_request_at is not None


def test_rotation_keeps_previous_token_for_grace_then_never_more_than_two(app, scim, org, db):
    """A new token keeps the previous one working (24 h); a third stops the first."""
    connection = OktaConnection.get()
    with app.app_context():
        _, second = connections.issue_scim_token(connection)
    assert raw_get(scim.base + "/Users", f"Bearer {scim.token}").status_code == 200
    assert raw_get(scim.base + "/Users", f"Bearer {second}").status_code == 200
    first_row = ScimToken.get(ScimToken.digest == connections.token_digest(scim.token))
    assert first_row.expires_at is not None
    with app.app_context():
        _, third = connections.issue_scim_token(connection)
    assert_scim_401(raw_get(scim.base + "/Users", f"Bearer {scim.token}"))
    assert raw_get(scim.base + "/Users", f"Bearer {second}").status_code == 200
    assert raw_get(scim.base + "/Users", f"Bearer {third}").status_code == 200
    assert connections.live_tokens(connection).count() == 2


def test_grace_period_ends(app, scim, db):
    from datetime import timedelta

    connection = OktaConnection.get()
    with app.app_context():
        connections.issue_scim_token(connection, grace=timedelta(seconds=-1))
    assert_scim_401(raw_get(scim.base + "/Users", f"Bearer {scim.token}"))


def test_revoked_tokens_stop_at_once(scim, runner, db):
    result = runner.invoke(args=["scim", "revoke-tokens", "--org", "acme"])
    assert result.exit_code == 0 and "revoked 1 token" in result.output
    assert_scim_401(raw_get(scim.base + "/Users", f"Bearer {scim.token}"))


def test_issue_token_cli_prints_one_json_line_that_works(runner, live_server, app, org, db):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    result = runner.invoke(args=["scim", "issue-token", "--org", "acme"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.strip())
    assert set(line) == {"endpoint", "token"}
    key = line["endpoint"].rsplit("/", 1)[1]
    assert key.isalnum() and key == key.lower() and "_" not in line["endpoint"]
    assert raw_get(line["endpoint"] + "/Users", f"Bearer {line['token']}").status_code == 200
    again = json.loads(runner.invoke(args=["scim", "issue-token", "--org", "acme"]).output)
    assert again["endpoint"] == line["endpoint"] and again["token"] != line["token"]


def test_issue_token_for_unknown_org_is_one_line_error(runner, db):
    result = runner.invoke(args=["scim", "issue-token", "--org", "nope"])
    assert result.exit_code == 1 and "No organization with the slug 'nope'" in result.output


def test_prune_deletes_old_request_records(scim, runner, db):
    from datetime import timedelta

    from wizard.models import utcnow

    scim.get("/Users")
    request_log.flush(runner.app)
    ScimEvent.update(created_at=utcnow() - timedelta(days=40)).execute()
    scim.get("/Groups")
    result = runner.invoke(args=["scim", "prune", "--days", "30"])
    assert result.exit_code == 0 and "deleted 1 SCIM request record" in result.output
    assert ScimEvent.select().count() == 1


# --- tenant isolation ------------------------------------------------------------------


@pytest.fixture
def globex_scim(app, live_server, other_org):
    return issue_scim_client(app, other_org, live_server.url)


def test_a_token_on_b_url_is_401(scim, globex_scim):
    assert_scim_401(raw_get(globex_scim.base + "/Users", f"Bearer {scim.token}"))
    assert_scim_401(raw_get(scim.base + "/Users", f"Bearer {globex_scim.token}"))


def test_a_cannot_read_or_change_b_resources(scim, globex_scim, db):
    """With its own valid token, A gets 404 for B's ids and B's data stays unchanged."""
    b_user = globex_scim.create_user("bob@globex.example.com")
    b_group = globex_scim.post(
        "/Groups", {"displayName": "Globex team", "members": [{"value": b_user["id"]}]}
    ).json()
    for response in (
        scim.get(f"/Users/{b_user['id']}"),
        scim.put(f"/Users/{b_user['id']}", {**b_user, "active": False}),
        scim.patch(f"/Users/{b_user['id']}", [{"op": "replace", "value": {"active": False}}]),
        scim.delete(f"/Users/{b_user['id']}"),
        scim.get(f"/Groups/{b_group['id']}"),
        scim.patch(f"/Groups/{b_group['id']}", [{"op": "replace", "path": "members", "value": []}]),
        scim.delete(f"/Groups/{b_group['id']}"),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["status"] == "404"
    assert scim.get(f'/Users?filter=userName eq "{b_user["userName"]}"').json()["totalResults"] == 0
    # A adding B's user to A's own group: B's id is unknown to A, never linked.
    a_group = scim.post(
        "/Groups", {"displayName": "Acme team", "members": [{"value": b_user["id"]}]}
    )
    assert a_group.status_code == 201 and a_group.json()["members"] == []
    b_now = globex_scim.get(f"/Users/{b_user['id']}").json()
    assert b_now["active"] is True and len(b_now["groups"]) == 1
    assert len(globex_scim.get(f"/Groups/{b_group['id']}").json()["members"]) == 1
    assert FailedMigration.get().organization.slug == "acme"


def test_staff_are_never_listed(scim, staff, db):
    assert staff.organization_id is None
    users = scim.get("/Users").json()["Resources"]
    assert staff.email not in {u["userName"] for u in users}


def test_enterprise_disabled_is_403_for_every_call_and_recorded(scim, org, db):
    """Without the enterprise feature every SCIM call is 403; a create is recorded."""
    org.enterprise_enabled = False
    org.save()
    assert scim.get("/Users").status_code == 403
    response = scim.post(
        "/Users", {"userName": "x@acme.example.com", "name": {"givenName": "X", "familyName": "Y"}}
    )
    assert response.status_code == 403
    assert "Enterprise feature is off" in response.json()["detail"]
    failure = FailedMigration.get()
    assert (failure.reason, failure.user_name, failure.operation) == (
        "enterprise_disabled",
        "x@acme.example.com",
        "create",
    )
    assert Member.select().where(Member.email_key == "x@acme.example.com").count() == 0


def test_a_session_cookie_is_neither_read_nor_written_on_scim(app, client, auth, admin, org):
    """SCIM is authenticated by its token alone. A signed-in admin's cookie sent to a
    SCIM URL (a browser tab, a misconfigured proxy) is not a credential there, and a
    SCIM answer never sets or refreshes a cookie; the admin stays signed in."""
    assert auth.login().status_code == 302
    scim = issue_scim_client(app, org, "")
    path = scim.base + "/Users"
    refused = client.get(path)
    assert refused.status_code == 401 and refused.json["status"] == "401"
    answered = client.get(path, headers={"Authorization": f"Bearer {scim.token}"})
    assert answered.status_code == 200
    for response in (refused, answered):
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
    assert client.get("/account").status_code == 200
