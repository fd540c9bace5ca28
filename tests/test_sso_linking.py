"""How an Okta sign-in finds its account: by (issuer, subject); an unlinked member by
email only when the provider says ``email_verified`` and the domain is verified for the
organization; never silently a local password account or a kept-local one. The crafted
provider plays a hostile provider through ``overrides``."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import PASSWORD, LiveServer, csrf_token
from tests.fakes.crafted_op import CraftedProvider
from tests.test_sso import configure, linked_subject, make_jane, round_trip, verify_domain
from wizard.models import AuditEvent, EmailDomain, Member, OktaConnection, SignInPolicy
from wizard.security import hash_password


@pytest.fixture
def jane(org, db):
    return make_jane(org)


@pytest.fixture
def op(app, org, db):
    """The organization's live provider; acme.example.com is a verified domain."""
    provider = CraftedProvider()
    server = LiveServer(provider).start()
    provider.base = server.url
    configure(app, org, server.url)
    verify_domain(org, "acme.example.com")
    yield provider
    server.stop()


@pytest.fixture
def lee(org):
    """A local account with a password (made by hand, never by Okta)."""
    return Member.create(
        organization=org,
        email="lee@acme.example.com",
        email_key="lee@acme.example.com",
        user_name="lee@acme.example.com",
        user_name_key="lee@acme.example.com",
        given_name="Lee",
        family_name="Local",
        role="User",
        password_hash=hash_password(PASSWORD),
    )


def sign_out(client):
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def signed_in_as(member) -> bool:
    return (
        AuditEvent.select()
        .where((AuditEvent.action == "auth.sign_in") & (AuditEvent.actor == member.id))
        .exists()
    )


def refusal_reason() -> str:
    event = (
        AuditEvent.select()
        .where(AuditEvent.action == "sso.sign_in_refused")
        .order_by(AuditEvent.id.desc())
        .first()
    )
    return event.details["reason"] if event else ""


@pytest.mark.parametrize("verified", [False, None, "true"], ids=["false", "missing", "string"])
def test_unverified_email_does_not_match_an_existing_member(client, op, jane, verified):
    """Attack: a provider vouches for jane's address without saying it verified it."""
    op.overrides = {"email_verified": verified, "sub": "00u-not-jane"}
    response = round_trip(client)
    assert response.status_code == 403
    assert not signed_in(client) and not signed_in_as(jane)
    assert refusal_reason() == "email_unverified"


def test_email_in_an_unverified_domain_does_not_match(client, op, org, jane):
    """Attack: the domain is only claimed (anyone can type it), not proven by DNS."""
    EmailDomain.update(status="pending").execute()
    op.overrides = {"sub": "00u-not-jane"}
    assert round_trip(client).status_code == 403
    assert not signed_in_as(jane)
    assert refusal_reason() == "email_domain_unverified"


def test_a_subject_from_another_issuer_never_matches(client, app, org, op, jane):
    """jane is linked at the first issuer as 00u-jane; a second issuer that sends the
    same subject (for another, unknown address) does not reach her."""
    op.overrides = {"sub": "00u-jane"}
    assert round_trip(client).status_code == 302 and signed_in_as(jane)
    sign_out(client)
    other = CraftedProvider()
    server = LiveServer(other).start()
    try:
        other.base = server.url
        configure(app, org, server.url)
        other.overrides = {"sub": "00u-jane", "email": "mallory@acme.example.com"}
        assert round_trip(client).status_code == 403
        assert AuditEvent.select().where(AuditEvent.action == "auth.sign_in").count() == 1
    finally:
        server.stop()


def test_an_existing_link_is_never_rewritten(client, op, jane):
    """jane is linked as 00u-jane; another subject of the same issuer presenting her
    verified email is refused, and her link stays."""
    op.overrides = {"sub": "00u-jane"}
    assert round_trip(client).status_code == 302
    sign_out(client)
    op.overrides = {"sub": "00u-impostor"}
    assert round_trip(client).status_code == 403
    assert refusal_reason() == "linked_to_other_subject"
    op.overrides = {"sub": "00u-jane"}
    assert round_trip(client).status_code == 302


def test_sign_in_never_reaches_the_kept_local_break_glass_admin(client, op, admin):
    """Attack: the provider vouches for the break-glass admin's address."""
    SignInPolicy.update(break_glass=admin.id).execute()
    Member.update(keep_local=True).where(Member.id == admin.id).execute()
    op.overrides = {"email": admin.email, "sub": "00u-evil"}
    response = round_trip(client)
    assert response.status_code == 403 and not signed_in_as(admin)
    assert refusal_reason() == "kept_local"


def test_sign_in_never_silently_links_a_local_password_account(client, op, lee):
    """A local account with a password is not taken over by a matching email: the
    refusal says how to link it."""
    op.overrides = {"email": lee.email, "sub": "00u-lee"}
    response = round_trip(client)
    assert response.status_code == 403 and not signed_in_as(lee)
    assert "Link my Okta account" in response.text
    assert refusal_reason() == "local_password_account"


def test_just_in_time_refused_for_an_unverified_domain(client, op, org):
    """JIT creates accounts for verified domains only."""
    SignInPolicy.update(jit_enabled=True).execute()
    EmailDomain.update(status="pending").execute()
    op.overrides = {
        "email": "new@acme.example.com",
        "sub": "00u-new",
        "given_name": "N",
        "family_name": "P",
    }
    assert round_trip(client).status_code == 403
    assert Member.get_or_none(Member.email_key == "new@acme.example.com") is None


def test_just_in_time_never_takes_a_role_from_claims(client, op, org):
    """Attack: the ID token carries role-looking claims; the new member gets the
    organization's JIT role (here: none), never the claims'."""
    SignInPolicy.update(jit_enabled=True).execute()
    op.overrides = {
        "email": "new@acme.example.com",
        "sub": "00u-new",
        "given_name": "N",
        "family_name": "P",
        "role": "EnterpriseAdmin",
        "roles": ["EnterpriseAdmin"],
        "groups": ["Admins", "EnterpriseAdmin"],
    }
    assert round_trip(client).status_code == 302
    created = Member.get(Member.email_key == "new@acme.example.com")
    assert created.role == "" and created.managed_by == "jit"


def link_round_trip(client):
    """POST "Link my Okta account" from the account page, then the provider's answer."""
    account = client.get("/account")
    assert "Link my Okta account" in account.text
    start = client.post("/login/okta/acme/link", data={"csrf_token": csrf_token(account.text)})
    assert start.status_code == 302, start.text
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["prompt"] == ["login"]  # Okta asks for the credentials again
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def test_member_links_their_own_okta_account(client, auth, op, lee):
    """Signed in with the password, lee links the Okta account that vouches for her
    email; from then on Okta signs her in (and the link is audited)."""
    auth.login(email=lee.email)
    op.overrides = {"email": lee.email, "sub": "00u-lee"}
    assert link_round_trip(client).headers["Location"] == "/account"
    assert linked_subject(lee) == "00u-lee"
    event = AuditEvent.get(AuditEvent.action == "member.okta_linked")
    assert event.actor_id == lee.id and event.details["how"] == "self"
    assert "Link my Okta account" not in client.get("/account").text
    sign_out(client)
    assert round_trip(client).headers["Location"] == "/org/" and signed_in_as(lee)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"email": "someone@acme.example.com", "sub": "00u-x"}, "link_email_mismatch"),
        ({"email_verified": False, "sub": "00u-x"}, "link_email_mismatch"),
        ({"sub": "00u-jane"}, "link_taken"),
    ],
    ids=["other-email", "unverified", "taken"],
)
def test_link_refuses_another_persons_okta_account(client, auth, op, lee, jane, overrides, reason):
    """The Okta account must vouch (verified) for the member's own email and be free."""
    op.overrides = {"sub": "00u-jane"}
    round_trip(client)  # jane links 00u-jane by her verified email
    sign_out(client)
    auth.login(email=lee.email)
    op.overrides = {"email": lee.email, **overrides}
    response = link_round_trip(client)
    assert response.status_code == 403 and linked_subject(lee) is None
    assert refusal_reason() == reason


def test_kept_local_members_are_not_offered_a_link(client, auth, op, admin):
    """The owner / break-glass admin is kept local: no link button, and the POST fails."""
    Member.update(keep_local=True).where(Member.id == admin.id).execute()
    auth.login()
    account = client.get("/account")
    assert "Link my Okta account" not in account.text
    response = client.post("/login/okta/acme/link", data={"csrf_token": csrf_token(account.text)})
    assert response.status_code == 403


def test_enterprise_admin_allows_a_link_explicitly(client, auth, app, op, admin, lee):
    """An EnterpriseAdmin allows the link on the member page (audited, shown); the next
    verified sign-in with lee's email links her account, and the allowance is used up."""
    auth.login()
    page = client.get(f"/team/users/{lee.scim_id}")
    assert "Allow Okta link" in page.text
    client.post(f"/team/users/{lee.scim_id}/okta-link", data={"csrf_token": csrf_token(page.text)})
    assert "Link allowed" in client.get(f"/team/users/{lee.scim_id}").text
    assert AuditEvent.get(AuditEvent.action == "member.okta_link_allowed").actor_id == admin.id
    sign_out(client)
    op.overrides = {"email": lee.email, "sub": "00u-lee"}
    assert round_trip(client).status_code == 302 and signed_in_as(lee)
    assert linked_subject(lee) == "00u-lee"
    assert Member.get_by_id(lee.id).okta_link_allowed_at is None
    event = AuditEvent.get(AuditEvent.action == "member.okta_linked")
    assert event.details["how"] == "admin_allowed"


def test_an_admin_cannot_allow_a_link(client, auth, op, org, lee):
    """ALLOW_OKTA_LINK is EnterpriseAdmin only: an Admin's POST is refused."""
    from wizard.domain import accounts
    from wizard.domain.roles import OrgRole

    ops = accounts.create_local_admin(org, "ops@acme.example.com", PASSWORD, OrgRole.ADMIN)
    auth.login(email=ops.email)
    page = client.get(f"/team/users/{lee.scim_id}")
    assert "Allow Okta link" not in page.text
    response = client.post(
        f"/team/users/{lee.scim_id}/okta-link", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 403
    assert Member.get_by_id(lee.id).okta_link_allowed_at is None


@pytest.mark.parametrize("role", ["", "ReadOnly", "User"])
def test_just_in_time_members_get_the_organizations_jit_role(client, op, org, role):
    """The sign-in rules choose what JIT members get (none, ReadOnly or User)."""
    SignInPolicy.update(jit_enabled=True, jit_role=role).execute()
    op.overrides = {
        "email": "new@acme.example.com",
        "sub": "00u-new",
        "given_name": "N",
        "family_name": "P",
        "role": "EnterpriseAdmin",
    }
    assert round_trip(client).status_code == 302
    created = Member.get(Member.email_key == "new@acme.example.com")
    assert created.role == role and linked_subject(created) == "00u-new"


def test_jit_role_above_user_is_refused_by_the_sign_in_rules(client, auth, op, admin):
    """The form offers none/ReadOnly/User only; a forged Admin value is refused."""
    OktaConnection.update(status="active").execute()  # the wizard is finished
    auth.login()
    page = client.get("/integrations/okta/sso").text
    assert 'name="jit_role"' in page
    client.post(
        "/integrations/okta/enforcement",
        data={"csrf_token": csrf_token(page), "jit": "y", "jit_role": "Admin", "break_glass": "0"},
    )
    assert OktaConnection.get().sign_in_policy.jit_role == ""
    client.post(
        "/integrations/okta/enforcement",
        data={"csrf_token": csrf_token(page), "jit": "y", "jit_role": "User", "break_glass": "0"},
    )
    assert OktaConnection.get().sign_in_policy.jit_role == "User"


def test_reauth_finds_the_linked_member_without_linking_anyone(client, auth, op, lee):
    """Confirming with Okta needs the Okta account linked to the signed-in member; an
    unlinked one (even with the member's verified email) confirms nothing and links
    nothing."""
    auth.login(email=lee.email)
    op.overrides = {"email": lee.email, "sub": "00u-lee"}
    start = client.get("/login/okta/acme?mode=reauth&next=/account")
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    refused = client.get(f"{callback.path}?{callback.query}")
    assert refused.status_code == 403 and linked_subject(lee) is None
    link_round_trip(client)
    start = client.get("/login/okta/acme?mode=reauth&next=/account")
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    confirmed = client.get(f"{callback.path}?{callback.query}")
    assert confirmed.headers["Location"] == "/account"
    assert AuditEvent.get(AuditEvent.action == "auth.confirmed").actor_id == lee.id


def test_just_in_time_never_revives_a_deleted_member(client, op, org):
    """Attack: Okta deleted Max, an Admin (his row and grants stay, hidden from SCIM).
    A new Okta account with another verified email but Max's old username (Okta logins
    are reused, and ``preferred_username`` is whatever the Okta login is) signs in just
    in time: creating it must not revive Max's row with his Admin grant. A sign-in
    only ever creates a new member, with the organization's JIT role."""
    from wizard import directory
    from wizard.domain.roles import OrgRole

    profile = {
        "user_name": "max@acme.example.com",
        "email": "max@acme.example.com",
        "given_name": "Max",
        "family_name": "Former",
    }
    max_ = directory.create_member(
        org, profile, managed_by="scim", role=OrgRole.ADMIN, actor_label="okta-scim"
    )
    directory.hide_member(max_, actor_label="okta-scim")
    SignInPolicy.update(jit_enabled=True).execute()
    op.overrides = {
        "email": "newbie@acme.example.com",
        "preferred_username": "max@acme.example.com",
        "sub": "00u-newbie",
        "given_name": "New",
        "family_name": "Hire",
    }
    response = round_trip(client)
    assert response.status_code == 403 and "username exists here already" in response.text
    assert not signed_in_as(max_) and not signed_in(client)
    max_ = Member.get_by_id(max_.id)
    assert (max_.active, max_.scim_hidden, max_.email) == (False, True, "max@acme.example.com")
    assert linked_subject(max_) is None


def test_a_link_made_before_keep_local_no_longer_signs_in(client, auth, op, admin, lee):
    """Attack: lee linked her Okta account, then an EnterpriseAdmin made her account kept
    local (an owner, or the break-glass admin: the way in when Okta is down or taken
    over). Whoever controls that Okta account (an Okta admin resetting its password)
    would still sign in as her through the old link. Okta never signs in a kept-local
    account, linked or not; the password does."""
    auth.login(email=lee.email)
    op.overrides = {"email": lee.email, "sub": "00u-lee"}
    assert link_round_trip(client).headers["Location"] == "/account"
    sign_out(client)
    auth.login()
    page = client.get(f"/team/users/{lee.scim_id}").text
    kept = client.post(
        f"/team/users/{lee.scim_id}/keep-local",
        data={"csrf_token": csrf_token(page), "keep_local": "y"},
    )
    assert kept.status_code == 302 and Member.get_by_id(lee.id).keep_local
    sign_out(client)
    response = round_trip(client)
    assert response.status_code == 403 and not signed_in(client)
    assert refusal_reason() == "kept_local"
    assert auth.login(email=lee.email).status_code == 302  # her password still does


def test_just_in_time_refusals_never_echo_the_token(client, op, org):
    """Attack: an ID token whose email (in a verified domain) is a sentence, "visit
    evil.example.com to unlock your account"; just-in-time creation refuses the
    address, and its refusal must not put the provider's words on our page."""
    SignInPolicy.update(jit_enabled=True).execute()
    text = "Visit evil.example.com to unlock your account"
    op.overrides = {
        "email": f'"{text}"@acme.example.com',
        "sub": "00u-words",
        "given_name": "W",
        "family_name": "Ords",
    }
    response = round_trip(client)
    assert response.status_code == 403 and "We could not create your account" in response.text
    assert "evil.example.com" not in response.text
