"""Integrations > Okta > Provisioning (SCIM), over real HTTP where Okta calls: a
SCIM-only customer's way (seeds 003 and 004) without the wizard, the authentication
choice with the exact values to paste (seed 001's user name and password), tokens shown
once and hashed, and the organization's own request log: its rows only, no secret."""

import base64
import re

import pytest
import requests

from tests.conftest import PASSWORD, ScimClient, csrf_token, issue_scim_client
from tests.test_fresh_auth import make_stale
from tests.test_permissions import sign_in as sign_in_as
from wizard.domain.roles import OrgRole
from wizard.models import AuditEvent, OktaConnection, ScimAuth, ScimToken
from wizard.security import token_digest

TAB = "/integrations/okta/scim"
TOKEN_SHOWN = re.compile(r'<code id="(scim-token|scim-password)"[^>]*>(okcs_[^<]+)</code>')


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login()
    return client


def post(client, url, data=None):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client.get(TAB).text)})


def shown_token(html: str) -> str:
    found = TOKEN_SHOWN.search(html)
    assert found, "no token on the page"
    return found[2]


def test_a_scim_only_customer_makes_endpoint_and_token_from_the_tab(admin_client, app):
    """No connection, no wizard: the tab offers the endpoint and token; the token is
    shown once (never cached), only its digest is stored, and no wizard step is done."""
    page = admin_client.get(TAB).text
    assert "Create the endpoint and token" in page and "Setup progress" not in page
    response = post(admin_client, "/integrations/okta/scim/token")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = shown_token(response.text)
    connection = OktaConnection.get()
    assert f"/scim/v2/{connection.scim_key}" in response.text
    assert ScimToken.get().digest == token_digest(token)
    assert (connection.wizard_state or {}).get("done", []) == []
    assert token not in admin_client.get(TAB).text  # shown once
    assert AuditEvent.select().where(AuditEvent.action == "scim.token_issued").count() == 1


def test_the_directory_shows_on_the_tab_before_any_finish(admin_client, app, live_server, org):
    """Okta provisions and pushes a group; the tab shows who and what arrived, and its
    live JSON is this organization's, while the wizard was never finished."""
    okta = issue_scim_client(app, org, live_server.url)
    jane = okta.create_user("jane@acme.example.com", "Jane", "Doe")
    okta.post("/Groups", {"displayName": "Avengers", "members": [{"value": jane["id"]}]})
    page = admin_client.get(TAB).text
    assert '<span data-live="users-count">1</span> user(s) received' in page
    assert "<td>Avengers</td><td>1</td>" in page and "Okta connected — verified at" in page
    snapshot = admin_client.get("/integrations/okta/scim/live.json").get_json()
    assert snapshot["users"]["count"] == 1 and snapshot["groups"]["groups"][0]["name"] == "Avengers"
    assert OktaConnection.get().status == "setup"  # no Finish needed


def test_basic_auth_shows_a_user_name_and_a_password_that_work(admin_client, app, live_server):
    """Basic Auth chosen: the tab shows the user name (the connection key) and the new
    token as the password, once; Okta's Basic request with them is let in; a wrong user
    name, or the right password under another connection's key, is a 401."""
    response = post(admin_client, "/integrations/okta/scim/auth", {"style": "basic"})
    assert response.status_code == 302
    page = post(admin_client, "/integrations/okta/scim/token").text
    connection = OktaConnection.get()
    assert connection.scim_auth == ScimAuth.BASIC
    assert re.search(rf'id="scim-user"[^>]*>{connection.scim_key}</code>', page)
    password = shown_token(page)
    assert 'id="scim-password"' in page and "Basic Auth" in page
    url = f"{live_server.url}/scim/v2/{connection.scim_key}/Users"

    def basic(user, secret):
        value = base64.b64encode(f"{user}:{secret}".encode()).decode()
        return requests.get(url, headers={"Authorization": f"Basic {value}"}, timeout=10)

    assert basic(connection.scim_key, password).status_code == 200
    assert basic("someone", password).status_code == 401
    assert basic(connection.scim_key, password + "x").status_code == 401
    assert "user-name" not in page  # no value besides the two to paste


def test_a_basic_pair_never_crosses_organizations(app, live_server, org, other_org):
    """Another organization's key as the user name with Acme's token: refused, as the
    token must belong to the connection the URL names."""
    acme = issue_scim_client(app, org, live_server.url)
    globex = issue_scim_client(app, other_org, live_server.url)
    globex_key = globex.base.rsplit("/", 1)[-1]
    value = base64.b64encode(f"{globex_key}:{acme.token}".encode()).decode()
    response = requests.get(
        f"{globex.base}/Users", headers={"Authorization": f"Basic {value}"}, timeout=10
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("style", "shown"),
    [
        ("bearer", "Authentication Mode: <strong>HTTP Header</strong>"),
        ("header", "Authentication: <strong>Header</strong>"),
    ],
)
def test_each_choice_says_what_to_paste_and_the_token_works_each_way(
    admin_client, app, live_server, style, shown
):
    post(admin_client, "/integrations/okta/scim/auth", {"style": style})
    page = post(admin_client, "/integrations/okta/scim/token").text
    assert shown in page
    token = shown_token(page)
    base = f"{live_server.url}/scim/v2/{OktaConnection.get().scim_key}"
    header = f"Bearer {token}" if style == "bearer" else token
    assert requests.get(f"{base}/Users", headers={"Authorization": header}, timeout=10).ok


def test_an_unknown_choice_is_refused_next_to_the_field_and_changes_nothing(admin_client):
    response = post(admin_client, "/integrations/okta/scim/auth", {"style": "oauth"})
    assert response.status_code == 400
    assert 'id="style-error"' in response.text
    assert OktaConnection.select().count() == 0 or OktaConnection.get().scim_auth == "bearer"


def test_a_change_of_choice_is_audited_once(admin_client):
    post(admin_client, "/integrations/okta/scim/auth", {"style": "basic"})
    post(admin_client, "/integrations/okta/scim/auth", {"style": "basic"})
    changes = AuditEvent.select().where(AuditEvent.action == "scim.auth_style_changed")
    assert [e.details for e in changes] == [{"from": "bearer", "to": "basic"}]


def test_a_second_token_needs_the_tick_and_a_fresh_sign_in(admin_client):
    """Rotation from the tab: without the tick nothing is made; a stale sign-in is asked
    to confirm first; then the new token is shown once and the old one has its grace."""
    first = shown_token(post(admin_client, "/integrations/okta/scim/token").text)
    refused = post(admin_client, "/integrations/okta/scim/token")
    assert refused.status_code == 302 and ScimToken.select().count() == 1
    make_stale(admin_client)
    stale = post(admin_client, "/integrations/okta/scim/token", {"confirm": "y"})
    assert stale.status_code == 302 and "/account/confirm" in stale.headers["Location"]
    confirm = admin_client.get(stale.headers["Location"])
    admin_client.post(
        stale.headers["Location"],
        data={"password": PASSWORD, "csrf_token": csrf_token(confirm.text)},
    )
    second = shown_token(post(admin_client, "/integrations/okta/scim/token", {"confirm": "y"}).text)
    assert second != first and ScimToken.select().count() == 2


def test_read_only_members_read_the_tab_but_change_nothing(client, auth, org):
    sign_in_as(client, auth, org, OrgRole.READ_ONLY)
    page = client.get(TAB).text
    assert "Create the endpoint and token" not in page
    token = csrf_token(page)
    for url, data in (
        ("/integrations/okta/scim/token", {}),
        ("/integrations/okta/scim/auth", {"style": "basic"}),
        ("/integrations/okta/scim/self-test", {}),
        ("/integrations/okta/scim/checklist", {"create_users": "y"}),
    ):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    assert OktaConnection.select().count() == 0


def test_the_checklist_ticked_on_the_tab_is_the_wizards(admin_client, app, org):
    post(admin_client, "/integrations/okta/scim/auth", {"style": "bearer"})
    post(admin_client, "/integrations/okta/scim/checklist", {"create_users": "y"})
    ticks = OktaConnection.get().wizard_state["checklist"]
    assert ticks["create_users"] and not ticks["deactivate_users"]
    assert re.search(
        r'<input[^>]*checked[^>]*id="create_users"', admin_client.get("/connect/okta/settings").text
    )


def test_traffic_that_contradicts_okta_settings_shows_on_the_tab(admin_client, scim):
    scim.create_user("not-an-email", "Odd", "Name", emails=[{"value": "odd@acme.example.com"}])
    assert "Application username format to Email" in admin_client.get(TAB).text


def test_self_test_runs_from_the_tab_and_leaves_nothing(admin_client, app, org):
    post(admin_client, "/integrations/okta/scim/token")
    page = post(admin_client, "/integrations/okta/scim/self-test").text
    assert re.search(r"Self-test: (\d+) of \1 passed", page)
    from wizard.models import Member

    assert Member.select().where(Member.managed_by == "scim").count() == 0


# --- the organization's own request log -----------------------------------------------------


def test_the_request_log_shows_this_organizations_requests_only(
    client, auth, app, live_server, org, other_org, admin, staff
):
    """Acme's and Globex's Okta both call; Acme's admin sees Acme's requests only, with
    the bodies as support sees them: the password Okta pushed is in neither."""
    acme = issue_scim_client(app, org, live_server.url)
    globex = issue_scim_client(app, other_org, live_server.url)
    acme.create_user("jane@acme.example.com", "Jane", "Doe", password="Acme-Pushed-Secret-1")
    globex.create_user("gina@globex.example.com", "Gina", "Globex")
    assert ScimClient(acme.base, "wrong").get("/Users").status_code == 401
    auth.login()
    page = client.get("/integrations/okta/scim/log").text
    assert "jane@acme.example.com" in page and "gina@globex.example.com" not in page
    assert "Acme-Pushed-Secret-1" not in page and "placeholder-1x" not in page
    assert "<td>401</td>" in page and "<td>201</td>" in page
    assert globex.token[:12] not in page and acme.token not in page
    filtered = client.get("/integrations/okta/scim/log?status=4").text
    assert "<td>401</td>" in filtered and "<td>201</td>" not in filtered
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    auth.login(email=staff.email)
    support = client.get(f"/support/organizations/{org.slug}/scim-log").text
    body = re.search(r"<details><summary>Body</summary><code>(.*?)</code>", page, re.S)[1]
    assert body in support  # the same body, the same redaction


def test_the_request_log_ignores_an_organization_in_the_query(
    admin_client, app, live_server, other_org
):
    """No query argument reaches another organization's rows."""
    globex = issue_scim_client(app, other_org, live_server.url)
    globex.create_user("gina@globex.example.com", "Gina", "Globex")
    for query in (f"?organization={other_org.id}", f"?org={other_org.slug}", "?path=globex"):
        page = admin_client.get(f"/integrations/okta/scim/log{query}").text
        assert "gina@globex.example.com" not in page, query
