"""Requests refused by the failed-authentication limit are counted, not each logged:
a flood of bad tokens must not grow the request log by a row per request, yet the
wizard's status card and support's request log still show that it happened."""

import requests

from tests.conftest import PASSWORD, LiveServer, csrf_token, issue_scim_client
from tests.test_rate_limits import limited_app  # noqa: F401 (fixture)
from wizard.models import OktaConnection, ScimEvent
from wizard.scim import request_log

LIMIT = 20  # failed authentications per minute, per connection key and address


def test_refused_requests_are_counted_not_logged(limited_app, org, db, staff, admin):  # noqa: F811
    server = LiveServer(limited_app).start()
    try:
        acme = issue_scim_client(limited_app, org, server.url)
        bad = {"Authorization": "Bearer stale-token"}
        codes = [
            requests.get(acme.base + "/Users", headers=bad, timeout=10).status_code
            for _ in range(LIMIT + 100)
        ]
        assert codes == [401] * LIMIT + [429] * 100
        assert acme.get("/Users").status_code == 200  # the valid token is never throttled
    finally:
        server.stop()
    request_log.flush(limited_app)
    logged = [e.status for e in ScimEvent.select().order_by(ScimEvent.id)]
    assert logged == [401] * LIMIT + [200], "each refused request wrote a row"
    connection = OktaConnection.get()
    assert (
        connection.scim_health.throttled_requests == 100
        and connection.scim_health.last_throttled_ip == "127.0.0.1"
    )
    assert connection.scim_health.last_throttled_at is not None

    assert (
        "100 request(s) refused by rate limiting"
        in signed_in(limited_app, staff).get(f"/support/organizations/{org.slug}/scim-log").text
    )
    OktaConnection.update(status="active").execute()
    admin_client = signed_in(limited_app, admin)
    for path in ("/integrations/okta", "/integrations/okta/scim"):  # Overview, the SCIM tab
        assert "100 SCIM request(s) refused by rate limiting" in admin_client.get(path).text


def signed_in(app, person):
    client = app.test_client()
    page = client.get("/login")
    client.post(
        "/login",
        data={"email": person.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    return client
