"""Signing in and out, CSRF, safe redirects, role guards, session versions, tenancy."""

import pytest

from tests.conftest import PASSWORD, csrf_token
from wizard.domain import accounts
from wizard.domain.organizations import add_site
from wizard.domain.roles import OrgRole
from wizard.models import AuditEvent, Member


def test_sign_in_lands_on_dashboard_and_is_audited(client, auth, admin):
    """The right password signs in, redirects to the organization page and is audited."""
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/org/"
    assert "Acme" in client.get("/org/").text
    assert AuditEvent.get(AuditEvent.action == "auth.sign_in").actor_id == admin.id


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("admin@acme.example.com", "wrong password!!"),
        ("nobody@acme.example.com", PASSWORD),
        ("ADMIN@acme.example.com ", "wrong password!!"),
    ],
)
def test_wrong_credentials_are_refused_with_one_message(client, auth, admin, email, password):
    """A wrong email or password gets 401 and the same message next to the password."""
    response = auth.login(email=email, password=password)
    assert response.status_code == 401
    assert "The email or password is not correct." in response.text
    assert client.get("/org/").status_code == 302  # still signed out


def test_email_matches_case_insensitively(client, auth, admin):
    """Emails are matched case-insensitively."""
    assert auth.login(email="Admin@ACME.example.com").status_code == 302


def test_missing_csrf_token_is_refused(client, admin):
    """A POST without the CSRF token is a 400 with a plain explanation."""
    response = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "This form expired" in response.text


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/org/settings", "/org/settings"),
        ("https://evil.example/x", "/org/"),
        ("//evil.example/x", "/org/"),
        ("/\\evil.example", "/org/"),
        ("javascript:alert(1)", "/org/"),
    ],
)
def test_next_is_followed_only_on_site(auth, admin, next_url, expected):
    """``next`` takes the member back to a local page and never off-site."""
    response = auth.login(next_url=next_url)
    assert response.headers["Location"] == expected


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/org/settings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_user_role_gets_403_on_admin_page(client, auth, org):
    """A member with role User can see the dashboard but not the settings (403 page)."""
    accounts.create_local_admin(org, "user@acme.example.com", PASSWORD, OrgRole.USER)
    auth.login(email="user@acme.example.com")
    assert client.get("/org/").status_code == 200
    response = client.get("/org/settings")
    assert response.status_code == 403
    assert "You do not have access to this page." in response.text


def test_member_without_role_sees_only_own_profile(client, auth, org):
    """No role: sign-in lands on the account page; the organization pages are 403."""
    accounts.create_local_admin(org, "plain@acme.example.com", PASSWORD, OrgRole.NONE)
    assert auth.login(email="plain@acme.example.com").headers["Location"] == "/account"
    assert client.get("/org/").status_code == 403


def test_other_organizations_site_is_not_found(client, auth, admin, other_org):
    """An admin of Acme cannot open, rename or delete Globex's site: 404, nothing changes."""
    site = add_site(other_org, "Globex main")
    auth.login()
    assert client.get(f"/org/sites/{site.id}").status_code == 404
    token = csrf_token(client.get("/org/settings").text)
    assert (
        client.post(f"/org/sites/{site.id}", data={"name": "x", "csrf_token": token}).status_code
        == 404
    )
    assert (
        client.post(f"/org/sites/{site.id}/delete", data={"csrf_token": token}).status_code == 404
    )
    assert site.__class__.get_by_id(site.id).name == "Globex main"


def test_bumping_session_version_ends_open_sessions(client, auth, admin):
    """Deactivation, password change or sign-out-everywhere bump the version: the open
    session is gone on its next request."""
    auth.login()
    assert client.get("/org/").status_code == 200
    accounts.end_all_sessions(Member.get_by_id(admin.id))
    assert client.get("/org/").status_code == 302


def test_deactivated_member_cannot_sign_in(client, auth, admin):
    Member.update(active=False).where(Member.id == admin.id).execute()
    assert auth.login().status_code == 401


def test_password_change_keeps_this_session_and_ends_others(app, client, auth, admin):
    """Changing the password keeps the current session and signs out the others."""
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).login()
    auth.login()
    new = "another long passphrase"
    response = auth.post(
        "/account/password", {"current_password": PASSWORD, "new_password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert client.get("/org/").status_code == 200
    assert other.get("/org/").status_code == 302
    assert accounts.authenticate(admin.email, new) is not None


def test_password_change_errors_show_next_to_fields(client, auth, admin):
    auth.login()
    response = auth.post(
        "/account/password",
        {"current_password": "wrong one here", "new_password": "x", "confirm": "y"},
    )
    assert response.status_code == 400
    assert "at least 12 characters" in response.text
    assert "The two passwords differ." in response.text


def test_sign_out_ends_the_session(client, auth, admin):
    auth.login()
    response = auth.post("/logout")
    assert response.headers["Location"] == "/login"
    assert client.get("/org/").status_code == 302


def test_staff_see_every_organization_and_set_entitlements(client, auth, staff, org, other_org):
    """Staff land on the organization list and alone may change seats and the feature."""
    assert auth.login(email=staff.email).headers["Location"] == "/support/"
    listing = client.get("/support/").text
    assert "acme" in listing and "globex" in listing
    response = auth.post(
        "/support/organizations/globex",
        {"seat_limit": "25", "enterprise_enabled": ""},
        form_page="/support/organizations/globex",
    )
    assert response.status_code == 302
    globex = other_org.__class__.get_by_id(other_org.id)
    assert (globex.seat_limit, globex.enterprise_enabled) == (25, False)
    assert (
        AuditEvent.get(AuditEvent.action == "staff.entitlements_changed").organization_id
        == globex.id
    )
    assert client.get("/org/settings").status_code == 403  # staff are not organization admins
    client.get("/support/organizations/acme")
    viewed = AuditEvent.select().where(AuditEvent.action == "staff.viewed_organization")
    assert org.id in {event.organization_id for event in viewed}


def test_admin_cannot_reach_staff_pages(client, auth, admin):
    auth.login()
    assert client.get("/support/").status_code == 403
    assert client.get("/support/organizations/acme").status_code == 403


def test_settings_change_is_saved_and_audited(client, auth, admin):
    auth.login()
    response = auth.post(
        "/org/settings",
        {"name": "Acme Corp", "timezone": "Europe/Paris"},
        form_page="/org/settings",
    )
    assert response.status_code == 302
    assert "Acme Corp" in client.get("/org/settings").text
    event = AuditEvent.get(AuditEvent.action == "org.settings_changed")
    assert event.details["timezone"] == {"from": "UTC", "to": "Europe/Paris"}


def test_settings_form_errors_show_next_to_fields(client, auth, admin):
    auth.login()
    response = auth.post(
        "/org/settings", {"name": "", "timezone": "Mars/Olympus"}, form_page="/org/settings"
    )
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert "Not a valid choice." in response.text


def test_sites_can_be_added_renamed_and_deleted(client, auth, admin):
    auth.login()
    auth.post("/org/sites", {"site-name": "Library"}, form_page="/org/settings")
    duplicate = auth.post("/org/sites", {"site-name": "library"}, form_page="/org/settings")
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.text
    site = admin.organization.sites.get()
    auth.post(f"/org/sites/{site.id}", {"name": "City Library"}, form_page="/org/settings")
    assert "City Library" in client.get("/org/settings").text
    auth.post(f"/org/sites/{site.id}/delete", form_page="/org/settings")
    assert admin.organization.sites.count() == 0


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_database_is_down(app, client):
    """An unreachable database gives 503 with the reason, not a 500 page."""
    from wizard.db import database, make_database

    # Nothing listens on port 1: the connection is refused at once.
    database.initialize(make_database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["database"].startswith("unavailable")


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page." in response.text


def test_unexpected_error_is_a_500_page_without_traceback(app, client):
    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/_boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["X-Request-ID"] in response.text


def test_security_headers_on_pages(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_form_fields_carry_no_empty_aria_attributes(client):
    """Fields without hints or errors have no aria-describedby pointing nowhere."""
    page = client.get("/login").text
    assert '="None"' not in page and 'aria-invalid="false"' not in page


@pytest.fixture
def hash_checks(monkeypatch):
    """Counts werkzeug's password-hash checks (the expensive part of a sign-in)."""
    from wizard import security

    calls = []
    real = security.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(security, "check_password_hash", counting)
    return calls


def same_email_in(count: int) -> None:
    from wizard.domain.organizations import create_organization

    for index in range(count):
        organization = create_organization(f"Org {index}", f"org-{index}")
        accounts.create_local_admin(organization, "shared@example.com", f"{PASSWORD} {index}")


@pytest.mark.parametrize(
    ("accounts_with_email", "password"),
    [
        (0, PASSWORD),
        (1, f"{PASSWORD} 0"),
        (1, "wrong password here"),
        (3, f"{PASSWORD} 0"),
        (3, f"{PASSWORD} 2"),
        (3, "wrong password here"),
        (5, f"{PASSWORD} 4"),
    ],
)
def test_password_sign_in_costs_the_same_hash_checks(
    client, auth, db, hash_checks, accounts_with_email, password
):
    """Attack: time the sign-in to learn whether an email has accounts, and how many.
    Whether it matches none, one or several accounts, and whichever password matches,
    a sign-in spends the same number of password-hash checks."""
    same_email_in(accounts_with_email)
    hash_checks.clear()
    auth.login(email="shared@example.com", password=password)
    assert len(hash_checks) == accounts.PASSWORD_CHECKS


def test_each_of_several_accounts_signs_in_with_its_own_password(client, auth, db):
    """Padding changes no outcome: the password decides which account signs in."""
    same_email_in(3)
    auth.login(email="shared@example.com", password=f"{PASSWORD} 2")
    event = AuditEvent.get(AuditEvent.action == "auth.sign_in")
    member = Member.get_by_id(int(event.target_id))
    assert member.organization.slug == "org-2"


def test_production_hashes_passwords_with_scrypts_full_cost():
    """The suite lowers scrypt's cost factor (conftest.pytest_configure); the app itself,
    in a fresh interpreter, hashes with werkzeug's default n=2**15."""
    import subprocess
    import sys

    code = "from wizard.security import hash_password; print(hash_password('a' * 12))"
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert printed.startswith("scrypt:32768:8:1$")
