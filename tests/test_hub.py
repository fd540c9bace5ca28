"""Integrations > Okta as a hub (issue 17): every tab reachable from the first saved
setting (or none), without the wizard; breadcrumb and tab state on every page; each
part's state and next action; nothing important more than two clicks from Integrations."""

import re
from html import unescape

import pytest

from tests.conftest import csrf_token
from tests.test_permissions import sign_in as sign_in_as
from wizard.domain import connections
from wizard.domain.roles import OrgRole
from wizard.integrations import parts
from wizard.integrations.tabs import TABS
from wizard.models import OktaConnection, ScimEvent, utcnow
from wizard.scim import request_log

HUB_PAGES = {
    "/integrations/okta": "overview",
    "/integrations/okta/trusted-hosts": "overview",
    "/integrations/okta/sso": "sso",
    "/integrations/okta/domains": "sso",
    "/integrations/okta/scim": "scim",
    "/integrations/okta/scim/log": "scim",
    "/integrations/okta/api": "api",
    "/integrations/okta/connector": "api",
    "/integrations/okta/sync": "api",
    "/integrations/okta/roles": "roles",
    "/integrations/okta/details": "details",
    "/integrations/okta/failed-migrations": "failures",
    "/integrations/okta/setup-links": "setup_links",
    "/integrations/okta/disconnect": "disconnect",
}
TITLES = {tab.slug: tab.title for tab in TABS}
CURRENT_TAB = re.compile(r'<nav class="hub-tabs"[^>]*>.*?aria-current="page">([^<]+)<', re.S)


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login()
    return client


def current_tab(html: str) -> str:
    found = CURRENT_TAB.search(html)
    assert found, "no current tab in the tab strip"
    return unescape(found[1].strip())


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="(/[^"#?]*)', html))


def test_every_tab_opens_for_a_fresh_organization_with_breadcrumb_and_current_tab(
    admin_client,
):
    """A fresh organization (no connection, no wizard step done): every hub page answers,
    names Integrations > Okta in its breadcrumb and marks its own tab as current."""
    assert OktaConnection.select().count() == 0
    for path, slug in HUB_PAGES.items():
        response = admin_client.get(path)
        assert response.status_code == 200, path
        html = response.text
        assert '<nav class="breadcrumb" aria-label="Breadcrumb">' in html, path
        assert 'href="/integrations">Integrations</a>' in html, path
        assert current_tab(html) == TITLES[slug], path
        assert 'aria-current="page">Integrations</a>' in html.split("<main")[0], path


def test_every_page_is_at_most_two_clicks_from_integrations(admin_client):
    """Integrations links every tab (one click); every tab links every other tab and its
    own pages (two clicks)."""
    index = hrefs(admin_client.get("/integrations").text)
    tab_pages = {tab.endpoint: tab for tab in TABS}
    assert "/integrations/okta" in index
    for path, slug in HUB_PAGES.items():
        tab_path = next(p for p, s in HUB_PAGES.items() if s == slug)  # the tab's own page
        assert tab_path in index or (path == tab_path and slug == "overview"), path
        assert path in hrefs(admin_client.get(tab_path).text), (tab_path, path)
    assert len(tab_pages) == len(TABS)


def test_sub_pages_lead_back_to_their_tab(admin_client):
    """The sync, connector, log, domains and preview pages are no dead end: their
    breadcrumb names their tab, linked."""
    for path in ("/integrations/okta/sync", "/integrations/okta/connector"):
        html = admin_client.get(path).text
        crumbs = html.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
        assert 'href="/integrations/okta/api">Okta API &amp; sync</a>' in crumbs, path
    crumbs = admin_client.get("/integrations/okta/scim/log").text.split("Breadcrumb")[1]
    assert 'href="/integrations/okta/scim">Provisioning (SCIM)</a>' in crumbs.split("</nav>")[0]


def test_tabs_follow_the_permission_table(client, auth, org):
    """A ReadOnly member sees Overview, Single sign-on and Provisioning only, and is
    refused the rest (the SCIM request log included); an Admin sees no EnterpriseAdmin
    tab (setup links, disconnect)."""
    sign_in_as(client, auth, org, OrgRole.READ_ONLY)
    html = client.get("/integrations/okta").text
    strip = html.split('class="hub-tabs"')[1].split("</nav>")[0]
    shown = set(re.findall(r'href="([^"]+)"', strip))
    assert shown == {"/integrations/okta", "/integrations/okta/sso", "/integrations/okta/scim"}
    for page in ("scim/log", "api", "roles"):
        path = f"/integrations/okta/{page}"
        assert client.get(path).status_code == 403, path
    client.post("/logout", data={"csrf_token": csrf_token(html)})
    sign_in_as(client, auth, org, OrgRole.ADMIN)
    strip = client.get("/integrations/okta").text.split('class="hub-tabs"')[1].split("</nav>")[0]
    assert "/integrations/okta/roles" in strip and "/integrations/okta/scim" in strip
    assert "/integrations/okta/setup-links" not in strip
    assert "/integrations/okta/disconnect" not in strip


def test_without_the_enterprise_feature_the_hub_is_refused_but_disconnect(admin_client, org):
    """Without the feature every tab is 403, except Disconnect: an organization that lost
    the feature may still convert its members and disconnect."""
    org.enterprise_enabled = False
    org.save()
    assert "Enterprise" in admin_client.get("/integrations").text  # says why
    for path in HUB_PAGES:
        expected = 200 if path == "/integrations/okta/disconnect" else 403
        assert admin_client.get(path).status_code == expected, path


def test_each_tab_shows_its_parts_state_in_the_strip(admin_client, scim):
    """The tab strip carries each part's state: SCIM becomes healthy once Okta called."""
    scim.create_user("jane@acme.example.com", "Jane", "Doe")
    strip = admin_client.get("/integrations/okta/roles").text.split('class="hub-tabs"')[1]
    strip = strip.split("</nav>")[0]
    assert re.search(r"Provisioning \(SCIM\) <span class=\"state state-healthy\">Healthy", strip)
    assert re.search(r"Single sign-on <span class=\"state state-not_set_up\">Not set up", strip)


# --- each part's state -------------------------------------------------------------------


def test_scim_part_goes_from_not_set_up_to_healthy_to_errors(app, org, scim, db):
    """No token: not set up; a token Okta never used: set up; Okta's requests: healthy,
    with the last request as the last event; a failed request: errors."""
    from wizard.domain.organizations import create_organization

    fresh = create_organization("Initech", "initech", enterprise_enabled=True)
    with app.app_context():
        assert parts.scim_part(connections.connection_for(fresh)).state == parts.State.NOT_SET_UP
        link = connections.ensure_connection(fresh)
        connections.issue_scim_token(link)
        assert parts.scim_part(link).state == parts.State.SET_UP
    scim.create_user("jane@acme.example.com", "Jane", "Doe")
    link = connections.connection_for(org)
    with app.app_context():  # the page reads in the app, which writes its queued log rows
        healthy = parts.scim_part(link)
    assert healthy.state == parts.State.HEALTHY and "1 user(s)" in healthy.summary
    assert healthy.last_event.startswith("POST 201 ")
    assert scim.get("/Users/not-a-member").status_code == 404
    with app.app_context():
        broken = parts.scim_part(link)
    assert broken.state == parts.State.ERRORS and "1 SCIM request(s) failed" in broken.summary
    assert broken.action == ("Open the request log", "integrations.scim_log")


def test_scim_part_reports_every_token_revoked_as_errors(app, org, scim, db):
    link = connections.connection_for(org)
    connections.revoke_tokens(link)
    part = parts.scim_part(link)
    assert part.state == parts.State.ERRORS and part.action[1] == "integrations.scim"


def test_an_old_scim_error_no_longer_counts(app, org, scim, db):
    from datetime import timedelta

    scim.get("/Users/not-a-member")
    request_log.flush(app)  # the error's row is written before it is aged
    ScimEvent.update(created_at=utcnow() - timedelta(hours=25)).execute()
    scim.get("/Users?count=1")
    with app.app_context():
        assert parts.scim_part(connections.connection_for(org)).state == parts.State.HEALTHY


def test_failures_and_roles_parts_name_what_to_do(org, scim, db):
    """A duplicate email is an open failed migration (errors, review them); pushed groups
    without a mapping say so and offer Add mapping."""
    scim.create_user("jane@acme.example.com", "Jane", "Doe")
    duplicate = scim.post(
        "/Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "jane.doe@acme.example.com",
            "name": {"givenName": "Jane", "familyName": "Other"},
            "emails": [{"value": "jane@acme.example.com", "primary": True}],
        },
    )
    assert duplicate.status_code == 409
    failures = parts.failures_part(org)
    assert failures.state == parts.State.ERRORS and "1 open" in failures.summary
    assert parts.roles_part(org).state == parts.State.NOT_SET_UP
    assert parts.roles_part(org).action is None  # no group yet: nothing to map
    scim.post("/Groups", {"displayName": "Staff", "members": []})
    roles = parts.roles_part(org)
    assert roles.action == ("Add mapping", "integrations.roles") and "1 Okta group" in roles.summary


def test_overview_shows_every_part_with_its_next_action(admin_client):
    html = admin_client.get("/integrations/okta").text
    for title in ("Single sign-on", "Provisioning (SCIM)", "Okta API &amp; sync", "Role mapping"):
        assert f">{title}</a>" in html, title
    assert 'href="/integrations/okta/sso">Set up single sign-on</a>' in html
    assert 'href="/integrations/okta/scim">Create the SCIM token</a>' in html
    assert 'href="/integrations/okta/api">Connect the Okta API</a>' in html
    assert "0 of 8 steps done; finishing is not needed for any tab" in html


def test_single_sign_on_is_set_up_from_its_tab_as_pending(admin_client, discovery_server):
    """The tab saves the issuer, client ID and secret as pending (no wizard step), shows
    the redirect URIs, and offers the test sign-in that comes back to it."""
    page = admin_client.get("/integrations/okta/sso").text
    response = admin_client.post(
        "/integrations/okta/sso",
        data={
            "okta_domain": discovery_server.url,
            "client_id": "0oa-hub-client",
            "client_secret": "hub-secret-value-1",
            "email_domain": "acme.example.com",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/integrations/okta/sso"
    page = admin_client.get("/integrations/okta/sso").text
    assert 'id="sso-pending"' in page and "hub-secret-value-1" not in page
    assert '<input type="hidden" name="back" value="hub">' in page
    assert "/login/okta/acme/callback" in page
    assert (OktaConnection.get().wizard_state or {}).get("done", []) == []
    assert parts.sso_part(OktaConnection.get().organization, OktaConnection.get()).state == (
        parts.State.SET_UP
    )


def test_only_an_enterprise_admin_saves_single_sign_on_from_the_tab(client, auth, org):
    sign_in_as(client, auth, org, OrgRole.ADMIN)
    page = client.get("/integrations/okta/sso").text
    assert 'name="okta_domain"' not in page  # no form offered
    response = client.post(
        "/integrations/okta/sso",
        data={"okta_domain": "acme.okta.com", "client_id": "x", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 403 and OktaConnection.select().count() == 0


def test_a_test_sign_in_started_on_the_tab_comes_back_to_it(
    admin_client, app, org, discovery_server
):
    """The test's state names the hub's SSO tab (a fixed choice): Okta's refusal comes
    back there, not to the wizard."""
    from tests.test_sso import configure

    configure(app, org, discovery_server.url)
    discovery_server.stop()  # Okta unreachable now: the test sign-in is refused
    page = admin_client.get("/integrations/okta/sso").text
    response = admin_client.post(
        "/login/okta/acme/test", data={"csrf_token": csrf_token(page), "back": "hub"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/integrations/okta/sso"
