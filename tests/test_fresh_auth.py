"""Fresh sign-in before critical actions (Rule.fresh_auth): a session older than
FRESH_AUTH_SECONDS is asked for the password again, or for an Okta sign-in again
(prompt=login), which must be the signed-in member's own Okta account. The clock is
moved by editing the session's ``auth_at``, not by waiting."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import csrf_token
from tests.test_sso import crafted  # noqa: F401 (the crafted OpenID provider fixture)
from wizard.models import (
    AuditEvent,
    Member,
    OktaConnection,
    RoleAssignment,
    SetupLink,
    SignInPolicy,
)

STALE = 1  # 1970: older than any window


def make_stale(client) -> None:
    with client.session_transaction() as session:
        session["auth_at"] = STALE


def test_stale_sign_in_confirms_with_the_password_then_disconnects(client, auth, admin, org):
    """A stale session goes to /account/confirm and back; a wrong password is refused
    and leaves it stale; the right one returns to the page, and the action works."""
    from wizard.domain import connections

    with client.application.app_context():
        connections.ensure_connection(org)
    auth.login()
    make_stale(client)
    asked = client.get("/integrations/okta/disconnect")
    assert asked.status_code == 302
    target = urlsplit(asked.headers["Location"])
    assert target.path == "/account/confirm"
    assert parse_qs(target.query)["next"] == ["/integrations/okta/disconnect"]
    page = client.get(asked.headers["Location"])
    assert 'name="password"' in page.text
    wrong = client.post(
        "/account/confirm",
        data={
            "csrf_token": csrf_token(page.text),
            "password": "not my password",
            "next": "/integrations/okta/disconnect",
        },
    )
    assert wrong.status_code == 401 and "not correct" in wrong.text
    assert client.get("/integrations/okta/disconnect").status_code == 302  # still stale
    right = client.post(
        "/account/confirm",
        data={
            "csrf_token": csrf_token(page.text),
            "password": "correct horse battery staple",
            "next": "/integrations/okta/disconnect",
        },
    )
    assert right.status_code == 302 and right.headers["Location"] == "/integrations/okta/disconnect"
    assert AuditEvent.get(AuditEvent.action == "auth.confirmed").actor_id == admin.id
    form = client.get("/integrations/okta/disconnect")
    assert form.status_code == 200
    done = client.post(
        "/integrations/okta/disconnect",
        data={"csrf_token": csrf_token(form.text), "confirm_name": "Acme"},
    )
    assert done.status_code == 302
    assert OktaConnection.get().status == "disconnected"


def test_a_stale_post_is_not_replayed(client, auth, admin):
    """The form is submitted again after confirming; the stale POST changed nothing."""
    auth.login()
    page = client.get("/integrations/okta/setup-links").text
    make_stale(client)
    data = {"csrf_token": csrf_token(page), "label": "Sam", "days": "7"}
    refused = client.post("/integrations/okta/setup-links", data=data)
    assert refused.status_code == 302 and "/account/confirm" in refused.headers["Location"]
    assert SetupLink.select().count() == 0
    confirm = client.get(refused.headers["Location"]).text
    client.post(
        "/account/confirm",
        data={"csrf_token": csrf_token(confirm), "password": "correct horse battery staple"},
    )
    assert client.post("/integrations/okta/setup-links", data=data).status_code == 200
    assert SetupLink.select().count() == 1


def test_a_fresh_sign_in_lasts_the_window(client, auth, admin, app):
    """Within FRESH_AUTH_SECONDS nothing is asked; past it, everything critical is."""
    import time

    auth.login()
    assert client.get("/integrations/okta/setup-links").status_code == 200
    app.config["FRESH_AUTH_SECONDS"] = 60
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 61
    assert client.get("/integrations/okta/setup-links").status_code == 302
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 30
    assert client.get("/integrations/okta/setup-links").status_code == 200


def test_reading_needs_no_fresh_sign_in(client, auth, admin):
    auth.login()
    make_stale(client)
    for path in ("/integrations", "/team/users", "/integrations/okta/api"):
        assert client.get(path).status_code == 200, path


# --- members who sign in with Okta only -----------------------------------------------


def okta_enterprise_admin(org) -> Member:
    """Jane: an Okta-managed EnterpriseAdmin without a password (the crafted provider's
    default user, sub 00u-crafted)."""
    jane = Member.create(
        organization=org,
        email="jane@acme.example.com",
        email_key="jane@acme.example.com",
        user_name="jane@acme.example.com",
        user_name_key="jane@acme.example.com",
        managed_by="scim",
        role="EnterpriseAdmin",
    )
    RoleAssignment.create(member=jane, role="EnterpriseAdmin", source="scim", managed_by="scim")
    return jane


def confirm_with_okta_url(client, confirm_page: str) -> str:
    """The confirmation page's "Confirm with Okta" link."""
    page = client.get(confirm_page).text
    return re.search(r'href="([^"]*mode=reauth[^"]*)"', page)[1].replace("&amp;", "&")


def through_okta(client, start_url: str):
    """Our start URL -> the provider's authorize -> our callback; returns our answer."""
    start = client.get(start_url)
    assert start.status_code == 302, start.text
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    return start, client.get(f"{callback.path}?{callback.query}")


def test_okta_member_confirms_with_okta_and_not_with_another_account(
    client,
    org,
    crafted,  # noqa: F811
):
    """An Okta-only member is offered "Confirm with Okta" (no password field); Okta is
    asked to prompt again; an answer for another member's Okta account is refused and
    leaves the session stale; their own account makes it fresh."""
    jane = okta_enterprise_admin(org)
    bob = Member.create(
        organization=org,
        email="bob@acme.example.com",
        email_key="bob@acme.example.com",
        okta_id="00u-bob",
        managed_by="scim",
    )
    _, signed_in = through_okta(client, "/login/okta/acme")
    assert signed_in.status_code == 302
    make_stale(client)
    asked = client.get("/integrations/okta/setup-links")
    page = client.get(asked.headers["Location"]).text
    assert "Confirm with Okta" in page and 'name="password"' not in page
    reauth = confirm_with_okta_url(client, asked.headers["Location"])

    crafted.overrides = {"sub": "00u-bob", "email": bob.email}
    start, other = through_okta(client, reauth)
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["prompt"] == ["login"] and query["login_hint"] == [jane.email]
    assert other.status_code == 403 and "another Okta account" in other.text
    assert client.get("/integrations/okta/setup-links").status_code == 302  # still stale

    crafted.overrides = {}
    _, own = through_okta(client, reauth)
    assert own.status_code == 302 and own.headers["Location"] == "/integrations/okta/setup-links"
    assert client.get("/integrations/okta/setup-links").status_code == 200
    assert AuditEvent.get(AuditEvent.action == "auth.confirmed").target_id == str(jane.id)


@pytest.mark.parametrize("when", ["missing", "an hour ago", "as text", "in an hour"])
def test_okta_confirmation_needs_okta_to_have_asked_just_now(
    client,
    org,
    crafted,  # noqa: F811
    when,
):
    """Attack: someone at an unattended browser (Okta's session still open) confirms with
    Okta, and the provider answers from that session instead of asking again. We asked
    for ``max_age=0``, so the ID token must say when the member signed in (auth_time is
    REQUIRED then, OpenID Connect Core §3.1.2.1): a missing, stale, textual or future
    ``auth_time`` confirms nothing and the session stays stale."""
    okta_enterprise_admin(org)
    through_okta(client, "/login/okta/acme")
    make_stale(client)
    asked = client.get("/integrations/okta/setup-links")
    reauth = confirm_with_okta_url(client, asked.headers["Location"])
    now = int(time.time())
    stamps = {
        "missing": None,
        "an hour ago": now - 3600,
        "as text": str(now),
        "in an hour": now + 3600,
    }
    crafted.overrides = {"auth_time": stamps[when]}
    _, answer = through_okta(client, reauth)
    assert answer.status_code == 401
    assert client.get("/integrations/okta/setup-links").status_code == 302  # still stale
    assert not AuditEvent.select().where(AuditEvent.action == "auth.confirmed").exists()


def test_a_password_okta_sign_in_replaced_confirms_nothing(
    client,
    auth,
    org,
    admin,
    crafted,  # noqa: F811
):
    """Attack: the organization requires Okta, so a member's old password no longer
    signs in; someone holding their (stolen, still live) session cookie and that old
    password would still make the session fresh with it and disconnect Okta. Where the
    password cannot sign in, it confirms nothing either: the confirmation is Okta's
    (the break-glass admin keeps the password)."""
    from tests.conftest import PASSWORD
    from wizard.domain import accounts
    from wizard.domain.roles import OrgRole

    other = accounts.create_local_admin(
        org, "other@acme.example.com", PASSWORD, OrgRole.ENTERPRISE_ADMIN, keep_local=False
    )
    auth.login(email=other.email)
    SignInPolicy.update(sso_enforced=True, break_glass=admin.id).execute()
    make_stale(client)
    asked = client.get("/integrations/okta/disconnect")
    page = client.get(asked.headers["Location"])
    assert "Confirm with Okta" in page.text
    refused = client.post(
        "/account/confirm",
        data={"csrf_token": csrf_token(page.text), "password": PASSWORD, "next": "/account"},
    )
    assert refused.status_code == 401 and "signs in with Okta" in refused.text
    assert client.get("/integrations/okta/disconnect").status_code == 302  # still stale
    assert not AuditEvent.select().where(AuditEvent.action == "auth.confirmed").exists()

    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    auth.login()  # the break-glass admin
    make_stale(client)
    page = client.get("/account/confirm?next=/account").text
    glass = client.post(
        "/account/confirm",
        data={"csrf_token": csrf_token(page), "password": PASSWORD, "next": "/account"},
    )
    assert glass.status_code == 302 and glass.headers["Location"] == "/account"


# --- a first password, set by the member --------------------------------------------------


def test_converted_member_without_a_link_sets_a_password_after_confirming(
    client,
    org,
    crafted,  # noqa: F811
):
    """The way out when a conversion's link was withheld (another EnterpriseAdmin
    converted them without mail): signed in with Okta, a local member without a
    password sets one, after a fresh sign-in; an Okta-managed member may not."""
    from wizard.domain import accounts

    jane = okta_enterprise_admin(org)
    through_okta(client, "/login/okta/acme")
    assert client.get("/account/password/first").status_code == 403  # Okta's member
    Member.update(managed_by="local").where(Member.id == jane.id).execute()
    assert "/account/password/first" in client.get("/account").text
    make_stale(client)
    asked = client.get("/account/password/first")
    assert asked.status_code == 302 and "/account/confirm" in asked.headers["Location"]
    through_okta(client, confirm_with_okta_url(client, asked.headers["Location"]))
    page = client.get("/account/password/first")
    assert page.status_code == 200
    new = "my own new passphrase"
    done = client.post(
        "/account/password/first",
        data={"csrf_token": csrf_token(page.text), "new_password": new, "confirm": new},
    )
    assert done.status_code == 302
    assert accounts.authenticate(jane.email, new).id == jane.id
    assert AuditEvent.get(AuditEvent.action == "account.password_set").actor_id == jane.id
    assert client.get("/account").status_code == 200  # this session goes on
    assert client.get("/account/password/first").status_code == 403  # once it has one
