"""How an Okta sign-in finds its account: by (issuer, subject); an unlinked member by
email only when the provider says ``email_verified`` and the domain is verified for the
organization; never silently a local password account or a kept-local one. The crafted
provider plays a hostile provider through ``overrides``."""

import pytest

from tests.conftest import PASSWORD, LiveServer, csrf_token
from tests.fakes.crafted_op import CraftedProvider
from tests.test_sso import configure, make_jane, round_trip, verify_domain
from wizard.models import AuditEvent, EmailDomain, Member, OktaConnection
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
    OktaConnection.update(break_glass=admin.id).execute()
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
    OktaConnection.update(jit_enabled=True).execute()
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
    OktaConnection.update(jit_enabled=True).execute()
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
