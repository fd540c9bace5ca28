"""Who may change what: the one permission table (wizard/permissions.py), the document
that prints it, every route guarded by it, and the attacks an ordinary Admin or a
setup-link holder would try on the security-critical settings."""

import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, csrf_token, enter_setup_link
from tests.fakes.okta_api import TOKEN
from wizard import permissions
from wizard.domain import accounts, connections
from wizard.domain.roles import OrgRole
from wizard.models import AuditEvent, OktaConnection, ScimToken, SsoConfiguration

ROOT = Path(__file__).resolve().parent.parent
SECURITY_DOC = ROOT / "docs" / "security.md"

# Endpoints without a permission from the table, each with why. Everything else a person
# can reach names its action with @requires (SCIM has its own bearer-token guard).
NO_PERMISSION = {
    "static": "public files",
    "health.healthz": "a load balancer's probe, answers nothing about any organization",
    "auth.index": "sends each visitor to their home page",
    "auth.login": "signing in",
    "auth.logout": "signing out (any signed-in person)",
    "auth.account": "one's own account page",
    "auth.change_password": "one's own password",
    "auth.set_first_password": "one's own first password (fresh sign-in asked in the view)",
    "auth.end_sessions": "one's own sessions",
    "auth.confirm": "one's own fresh sign-in (the password or Okta again)",
    "auth.set_password_link": "a one-time link is its own proof (a bearer secret)",
    "connect.open_setup_link": "a setup link is its own proof (a bearer secret)",
    "connect.continue_setup_link": "the setup link held in the session is its own proof",
    "auth.okta_start": "Okta sign-in starts from an organization's slug (bookmarks, tiles)",
    "auth.okta_callback": "Okta's answer; the signed state says what it may do",
    "auth.okta_signed_out": "Okta's redirect after sign-out",
    "auth.okta_link": "links one's own account (signed in; may_link checked in the view)",
    "auth.okta_test": "the wizard's test sign-in (may_test checked in the view: TEST_SSO "
    "for the slug's organization, signed in or by its setup link)",
    "support.organizations_list": "staff only (staff_required)",
    "support.organization": "staff only (staff_required)",
    "support.release_domain": "staff only (staff_required)",
    "support.scim_log": "staff only (staff_required)",
}


def person(org, role: OrgRole, email=None):
    email = email or f"{role.value_name.lower() or 'nobody'}.person@acme.example.com"
    return accounts.create_local_admin(org, email, PASSWORD, role)


def sign_in(client, auth, org, role: OrgRole):
    member = person(org, role)
    response = auth.login(email=member.email)
    assert response.status_code == 302, response.text
    return member


# --- the table and its document --------------------------------------------------------


def test_security_doc_prints_the_permission_table():
    """docs/security.md holds exactly the table RULES renders: a rule changed in code
    without the document (or the other way round) fails here."""
    text = SECURITY_DOC.read_text()
    found = re.search(r"<!-- permissions:begin -->\n(.*?)\n<!-- permissions:end -->", text, re.S)
    assert found, "docs/security.md lacks the permissions:begin/end markers"
    assert found[1].strip() == permissions.markdown_table().strip(), (
        "docs/security.md differs from RULES: paste the output of "
        "`python -c 'from wizard.permissions import markdown_table; print(markdown_table())'`"
    )


def test_every_action_has_one_rule_with_a_description():
    assert set(permissions.RULES) == set(permissions.Action)
    assert all(rule.description for rule in permissions.RULES.values())


def test_every_endpoint_names_its_permission(app):
    """Walk the URL map: every view outside SCIM and the commented allow-list above was
    decorated with @requires (which sets ``permission``); staff pages are staff-only."""
    unguarded, stale = [], set(NO_PERMISSION)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("scim."):
            continue
        view = app.view_functions[rule.endpoint]
        stale.discard(rule.endpoint)
        if rule.endpoint in NO_PERMISSION:
            assert getattr(view, "permission", None) is None, rule.endpoint
            if rule.endpoint.startswith("support."):
                assert getattr(view, "staff_only", False), rule.endpoint
            continue
        if not isinstance(getattr(view, "permission", None), permissions.Action):
            unguarded.append(rule.endpoint)
    assert not unguarded, "views without @requires: " + ", ".join(sorted(set(unguarded)))
    assert not stale, "allow-listed endpoints that no longer exist: " + ", ".join(stale)


def test_templates_ask_for_actions_not_role_numbers():
    """Templates say can('action'), never a role number or an org_role comparison."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"org_role\s*(>=|<=|>|<|==|!=)", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders, offenders


def test_views_have_no_role_comparisons():
    """No view module compares roles itself: the table decides (permissions.py)."""
    offenders = []
    for path in (ROOT / "wizard").rglob("*.py"):
        if path.name in ("permissions.py",) or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"org_role\s*(>=|<=|>|<)", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders, offenders


# --- what each role sees ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (OrgRole.READ_ONLY, ["Overview", "Team", "Integrations"], ["Settings"]),
        (OrgRole.ADMIN, ["Overview", "Settings"], []),
        (OrgRole.NONE, ["Account"], ["Overview", "Team", "Settings"]),
    ],
)
def test_navigation_follows_the_table(client, auth, org, role, visible, hidden):
    sign_in(client, auth, org, role)
    nav = client.get("/account").text.split('<main id="main"')[0]
    for label in visible:
        assert f">{label}</a>" in nav, label
    for label in hidden:
        assert f">{label}</a>" not in nav, label


def test_integrations_page_offers_critical_settings_to_enterprise_admins_only(
    client, auth, admin, org
):
    """An Admin sees the status but no enforcement form, setup links or disconnect, on
    Integrations, on the hub's Overview and on its Single sign-on tab."""
    with client.application.app_context():
        connections.ensure_connection(org)
    OktaConnection.update(status="active").execute()
    sign_in(client, auth, org, OrgRole.ADMIN)
    hub = ("/integrations", "/integrations/okta", "/integrations/okta/sso")
    for path in hub:
        page = client.get(path).text
        assert "/integrations/okta/enforcement" not in page, path
        assert "/integrations/okta/setup-links" not in page, path
        assert "/integrations/okta/disconnect" not in page, path
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    auth.login()
    page = client.get("/integrations").text
    assert "/integrations/okta/setup-links" in page and "/integrations/okta/disconnect" in page
    assert "/integrations/okta/enforcement" in client.get("/integrations/okta/sso").text


# --- attacks by an ordinary Admin ------------------------------------------------------


def test_admin_cannot_change_the_sso_settings(client, auth, admin, org, discovery_server):
    """Attack: an Admin posts the wizard's SSO step with their own issuer. Refused: the
    SSO issuer, client ID and secret are EnterpriseAdmin settings (they may read them)."""
    sign_in(client, auth, org, OrgRole.ADMIN)
    page = client.get("/connect/okta/sso")
    assert page.status_code == 200
    response = client.post(
        "/connect/okta/sso",
        data={
            "csrf_token": csrf_token(page.text),
            "okta_domain": discovery_server.url,
            "client_id": "0oa-attacker",
            "client_secret": "attacker-secret",
            "email_domain": "acme.example.com",
        },
    )
    assert response.status_code == 403
    assert not SsoConfiguration.select().exists()  # nothing staged, nothing live


def test_admin_cannot_save_the_okta_api_connection(client, auth, admin, org, okta):
    """Attack: an Admin points the sync at an Okta API of their choosing. Refused; the
    page itself stays readable."""
    sign_in(client, auth, org, OrgRole.ADMIN)
    page = client.get("/integrations/okta/api")
    assert page.status_code == 200
    response = client.post(
        "/integrations/okta/api",
        data={"csrf_token": csrf_token(page.text), "org_url": okta.url, "api_token": TOKEN},
    )
    assert response.status_code == 403
    assert OktaConnection.get().api.org_url in ("", None)


def test_admin_cannot_issue_a_scim_token(client, auth, admin, org):
    """Attack: an Admin creates (or rotates) the SCIM token and with it can provision
    anyone, admins included. Refused at both steps."""
    sign_in(client, auth, org, OrgRole.ADMIN)
    page = client.get("/connect/okta/credentials")
    assert page.status_code == 200
    token = csrf_token(page.text)
    first = client.post("/connect/okta/credentials/token", data={"csrf_token": token})
    assert first.status_code == 403 and ScimToken.select().count() == 0
    with client.application.app_context():
        connections.issue_scim_token(OktaConnection.get())
    rotate = client.post(
        "/connect/okta/credentials/token", data={"csrf_token": token, "confirm": "y"}
    )
    assert rotate.status_code == 403 and ScimToken.select().count() == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/integrations/okta/setup-links"),
        ("GET", "/integrations/okta/disconnect"),
        ("POST", "/integrations/okta/convert"),
        ("POST", "/integrations/okta/enforcement"),
    ],
)
def test_admin_is_refused_every_enterprise_admin_page(client, auth, admin, org, method, path):
    sign_in(client, auth, org, OrgRole.ADMIN)
    token = csrf_token(client.get("/account").text)
    response = client.open(path, method=method, data={"csrf_token": token})
    assert response.status_code == 403


def test_rotation_by_an_enterprise_admin_needs_a_fresh_sign_in(client, auth, admin, org):
    """Rotation is critical: a stale session is asked to confirm, nothing is rotated."""
    with client.application.app_context():
        connections.issue_scim_token(connections.ensure_connection(org))
    auth.login()
    with client.session_transaction() as session:
        session["auth_at"] = 1
    token = csrf_token(client.get("/connect/okta/credentials").text)
    response = client.post(
        "/connect/okta/credentials/token", data={"csrf_token": token, "confirm": "y"}
    )
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert ScimToken.select().count() == 1


# --- attacks by a setup-link holder ----------------------------------------------------


def open_setup_link(app, client, auth):
    auth.login()
    page = client.get("/integrations/okta/setup-links")
    created = client.post(
        "/integrations/okta/setup-links",
        data={"csrf_token": csrf_token(page.text), "label": "Sam from IT", "days": "7"},
    )
    link = re.search(r'id="setup-link"[^>]*>(http[^<]+)<', created.text)[1]
    it_person = app.test_client()
    enter_setup_link(it_person, link)
    return it_person


def test_setup_link_creates_the_first_token_but_never_rotates(app, client, auth, admin):
    """Attack: the IT person's link is used again later to rotate the token (taking SCIM
    away from the organization's own Okta). The first token is allowed; rotation is not."""
    it_person = open_setup_link(app, client, auth)
    token = csrf_token(it_person.get("/connect/okta/credentials").text)
    first = it_person.post("/connect/okta/credentials/token", data={"csrf_token": token})
    assert "Copy this token now" in first.text
    rotate = it_person.post(
        "/connect/okta/credentials/token", data={"csrf_token": token, "confirm": "y"}
    )
    assert rotate.status_code == 403
    assert ScimToken.select().count() == 1
    assert not AuditEvent.select().where(AuditEvent.action == "scim.token_rotated").exists()


def test_setup_link_reaches_the_okta_steps_only(app, client, auth, admin):
    it_person = open_setup_link(app, client, auth)
    assert it_person.get("/connect/okta/sso").status_code == 200
    for denied in ("/connect/okta/permissions", "/connect/okta/finish"):
        assert it_person.get(denied).status_code == 403
    token = csrf_token(it_person.get("/connect/okta/sso").text)
    assert it_person.post("/connect/okta/finish", data={"csrf_token": token}).status_code == 403
    for other in ("/integrations", "/integrations/okta/api", "/team/users"):
        assert it_person.get(other).status_code in (302, 403), other


def test_setup_link_cannot_mint_a_token_again_after_a_revocation(app, client, auth, admin):
    """Attack: the IT person's copy of the token leaked (or the IT person is the leak).
    The EnterpriseAdmin stops it; with no token live, the link's 'first token' was
    allowed again and the holder minted a new one. A setup link makes the connection's
    first token only; any later one is the EnterpriseAdmin's (rotate_scim_token)."""
    it_person = open_setup_link(app, client, auth)
    token = csrf_token(it_person.get("/connect/okta/credentials").text)
    first = it_person.post("/connect/okta/credentials/token", data={"csrf_token": token})
    assert "Copy this token now" in first.text
    leaked = ScimToken.get()
    page = client.get("/connect/okta/credentials").text
    client.post(
        f"/connect/okta/credentials/tokens/{leaked.id}/revoke",
        data={"csrf_token": csrf_token(page)},
    )
    assert ScimToken.get_by_id(leaked.id).revoked_at is not None
    page = it_person.get("/connect/okta/credentials").text
    assert "Create the bearer token" not in page
    again = it_person.post("/connect/okta/credentials/token", data={"csrf_token": token})
    assert again.status_code == 403 and ScimToken.select().count() == 1


def test_the_first_token_is_checked_and_made_under_one_lock(app, org, db):
    """Two first-token requests at once each passed the check made before either wrote;
    the check now runs inside the organization's write lock, with the write."""
    from wizard.domain.connections import FirstTokenTaken, issue_scim_token

    with app.app_context():
        connection = connections.ensure_connection(org)
        issue_scim_token(connection, first_only=True)
        with pytest.raises(FirstTokenTaken):
            issue_scim_token(connection, first_only=True)
    assert ScimToken.select().count() == 1
