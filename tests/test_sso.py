"""Sign in with Okta: ID-token checks against tokens we sign ourselves, and the flow
against a real OpenID provider (oidc-provider-mock) on 127.0.0.1."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oidc_provider_mock import app as mock_provider_app

from tests.conftest import PASSWORD, LiveServer, csrf_token, verify_domain
from tests.fakes.crafted_op import CraftedProvider
from wizard.domain import accounts, connections
from wizard.models import (
    AuditEvent,
    EmailDomain,
    Member,
    MemberIdentity,
    OktaConnection,
    SignInPolicy,
    SsoConfiguration,
)
from wizard.sso import configurations as sso_configurations
from wizard.sso import settings as sso_settings

CLIENT_ID = "0oa-crafted"


def configure(app, organization, issuer, domain="acme.example.com", secret="client-secret-1"):
    """Save the settings and make them live, as an EnterpriseAdmin's passing test
    sign-in would (tests/test_sso_staging.py drives that round trip itself); the email
    domain counts as DNS-verified (tests/test_domains.py proves that flow)."""
    with app.app_context():
        connection = connections.ensure_connection(organization)
        sso_settings.save_sso_settings(
            connection,
            okta_domain=issuer,
            client_id=CLIENT_ID,
            client_secret=secret,
            email_domain=domain,
        )
        pending = sso_configurations.pending(connection)
        if pending is not None:
            sso_configurations.activate(pending, actor_label="tests")
    verify_domain(organization, domain)
    return OktaConnection.get_by_id(connection.id)


@pytest.fixture
def crafted(app, org, db):
    provider = CraftedProvider()
    server = LiveServer(provider).start()
    provider.base = server.url
    configure(app, org, server.url)
    yield provider
    server.stop()


def begin_test_sign_in(client, slug="acme", form_page="/connect/okta/sso"):
    """The wizard's Test sign-in button: a CSRF-protected POST (its token from the page)."""
    token = csrf_token(client.get(form_page).text)
    return client.post(f"/login/okta/{slug}/test", data={"csrf_token": token})


def round_trip(client, slug="acme", mode=None):
    """Start at our /login/okta/<slug> (``mode="test"``: the wizard's Test sign-in), let
    the provider answer, return our callback answer."""
    start = begin_test_sign_in(client, slug) if mode else client.get(f"/login/okta/{slug}")
    assert start.status_code == 302, start.text
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def make_jane(organization):
    """Jane, provisioned by Okta (SCIM), not linked to any Okta sign-in yet."""
    return Member.create(
        organization=organization,
        email="jane@acme.example.com",
        email_key="jane@acme.example.com",
        user_name="jane@acme.example.com",
        user_name_key="jane@acme.example.com",
        given_name="Jane",
        family_name="Doe",
        managed_by="scim",
    )


@pytest.fixture
def jane(org, db):
    return make_jane(org)


def linked_subject(member) -> str | None:
    """The Okta subject linked to ``member`` (sign-in no longer writes ``okta_id``)."""
    identity = MemberIdentity.get_or_none(MemberIdentity.member == member.id)
    return identity.subject if identity else None


def test_valid_token_signs_the_member_in(client, crafted, jane):
    response = round_trip(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    assert linked_subject(jane) == "00u-crafted"  # the subject is remembered
    request = crafted.token_requests[0]
    assert request["code_verifier"] and request["authorization"].startswith("Basic ")


def test_public_client_sends_no_secret_but_a_code_verifier(client, app, org, crafted, jane):
    """A PKCE-only app (seed 001's native app) has no secret: no Basic header."""
    configure(app, org, crafted.base, secret="")
    SsoConfiguration.update(client_secret="", client_secret_hint="").execute()
    assert round_trip(client).status_code == 302
    request = crafted.token_requests[-1]
    assert request["authorization"] == "" and request["client_id"] == CLIENT_ID
    assert request["code_verifier"]


def test_authorization_request_uses_pkce_state_and_nonce(client, crafted):
    location = client.get("/login/okta/acme").headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    assert query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == ["http://127.0.0.1:5000/login/okta/acme/callback"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "someone-else"}, "id_token_invalid"),
        ({"iss": "https://evil.example.com"}, "id_token_invalid"),
        ({"exp": 1_000_000_000, "iat": 999_999_000}, "id_token_invalid"),
        ({"nonce": "not-the-nonce"}, "id_token_invalid"),
        ({"nonce": None}, "id_token_invalid"),
    ],
    ids=["wrong-aud", "wrong-iss", "expired", "nonce-mismatch", "nonce-missing"],
)
def test_bad_id_tokens_are_refused(client, crafted, jane, overrides, reason):
    crafted.overrides = overrides
    response = round_trip(client)
    assert response.status_code == 401
    assert "We could not verify Okta" in response.text
    assert client.get("/account").status_code == 302  # nobody signed in
    event = AuditEvent.get(AuditEvent.action == "sso.sign_in_refused")
    assert event.details["reason"].startswith(reason)


def test_bad_signature_is_refused(client, crafted, jane):
    from joserfc.jwk import RSAKey

    crafted.signing_key = RSAKey.generate_key(2048, parameters={"kid": "key-1"})  # same kid
    assert round_trip(client).status_code == 401


def test_unknown_kid_refetches_the_rotated_jwks(client, crafted, jane):
    assert round_trip(client).status_code == 302  # JWKS with key-1 is now cached
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    crafted.rotate()
    crafted.publish_signing_key()
    assert round_trip(client).status_code == 302


def test_unknown_and_deactivated_members_are_refused_with_a_fix(client, crafted, jane):
    crafted.overrides = {"email": "stranger@acme.example.com", "sub": "00u-other"}
    response = round_trip(client)
    assert response.status_code == 403 and "assign you to this app in Okta" in response.text
    crafted.overrides = {}
    Member.update(active=False).where(Member.id == jane.id).execute()
    response = round_trip(client)
    assert response.status_code == 403 and "deactivated" in response.text


def test_just_in_time_creates_through_the_directory_rules(client, crafted, org, jane):
    SignInPolicy.update(jit_enabled=True).execute()
    crafted.overrides = {
        "email": "new@acme.example.com",
        "sub": "00u-new",
        "given_name": "New",
        "family_name": "Person",
    }
    assert round_trip(client).status_code == 302
    created = Member.get(Member.email_key == "new@acme.example.com")
    assert (created.managed_by, linked_subject(created)) == ("jit", "00u-new")
    org.seat_limit = Member.select().count()
    org.save()
    crafted.overrides = {
        "email": "third@acme.example.com",
        "sub": "00u-3",
        "given_name": "T",
        "family_name": "P",
    }
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    response = round_trip(client)
    assert response.status_code == 403 and "License limit" in response.text


def test_replayed_or_forged_state_is_refused(client, crafted, jane):
    start = client.get("/login/okta/acme")
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    assert client.get(f"{callback.path}?{callback.query}").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    replay = client.get(f"{callback.path}?{callback.query}")
    assert replay.status_code == 400 and "already used or has expired" in replay.text
    forged = client.get("/login/okta/acme/callback?code=x&state=forged")
    assert forged.status_code == 400 and "not valid any more" in forged.text


def test_okta_error_answers_are_explained(client, crafted):
    start = client.get("/login/okta/acme")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    response = client.get(f"/login/okta/acme/callback?error=access_denied&state={state}")
    assert response.status_code == 403 and "assign you to the sign-in app" in response.text


def test_provider_down_is_502(client, app, org, db):
    configure_down = OktaConnection.get_or_none()
    assert configure_down is None
    with app.app_context():
        connection = connections.ensure_connection(org)
    SsoConfiguration.create(
        connection=connection, state="live", issuer="http://127.0.0.1:1", client_id="x"
    )
    response = client.get("/login/okta/acme")
    assert response.status_code == 502 and "Okta is not answering" in response.text


def test_home_realm_discovery_sends_the_domain_to_okta(client, crafted):
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": "jane@acme.example.com", "csrf_token": csrf_token(page.text)}
    )
    assert response.headers["Location"].startswith("/login/okta/acme?login_hint=jane")
    other = client.post(
        "/login", data={"email": "x@elsewhere.example.com", "csrf_token": csrf_token(page.text)}
    )
    assert other.status_code == 401 and "Enter your password." in other.text


def test_enforcement_refuses_passwords_except_break_glass(client, auth, crafted, org, admin):
    other = accounts.create_local_admin(org, "second@acme.example.com", PASSWORD)
    SignInPolicy.update(sso_enforced=True, break_glass=admin.id).execute()
    refused = auth.login(email=other.email)
    assert refused.status_code == 401 and "signs in with Okta" in refused.text
    assert auth.login().status_code == 302  # the break-glass admin
    assert AuditEvent.get(AuditEvent.action == "auth.break_glass_used").actor_id == admin.id


def test_test_sign_in_shows_claims_and_signs_nobody_in(client, auth, crafted, admin):
    auth.login()
    response = round_trip(client, mode="test")
    assert response.headers["Location"] == "/connect/okta/sso"
    page = client.get("/connect/okta/sso").text
    assert "Test sign-in passed" in page and "jane@acme.example.com" in page
    assert OktaConnection.get().live_sso.tested_at is not None
    assert not MemberIdentity.select().exists()  # nobody was linked or signed in
    crafted.overrides = {"email": "jane@other.example.com"}
    round_trip(client, mode="test")
    assert "outside acme.example.com" in client.get("/connect/okta/sso").text


def test_test_mode_needs_an_admin(client, crafted):
    assert begin_test_sign_in(client, form_page="/login").status_code == 403


def test_sign_out_goes_to_okta_end_session(client, crafted, jane):
    round_trip(client)
    response = client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    target = urlsplit(response.headers["Location"])
    query = parse_qs(target.query)
    assert target.path == "/logout"
    assert query["post_logout_redirect_uri"] == ["http://127.0.0.1:5000/login/okta/acme/signed-out"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/account").status_code == 302


def test_deactivation_ends_an_open_sso_session(client, crafted, jane, app):
    round_trip(client)
    assert client.get("/account").status_code == 200
    from wizard import directory

    with app.app_context():
        directory.set_active(Member.get_by_id(jane.id), False, actor_label="test")
    assert client.get("/account").status_code == 302


# --- the real provider (oidc-provider-mock) -----------------------------------------------


@pytest.fixture
def provider():
    server = LiveServer(mock_provider_app(require_nonce=True)).start()
    yield server
    server.stop()


def set_user(provider, sub, **claims):
    """The provider's user ``sub``; its email is verified unless the test says otherwise
    (Okta's ID tokens carry ``email_verified``)."""
    claims.setdefault("email_verified", True)
    requests.put(f"{provider.url}/users/{sub}", json=claims, timeout=10).raise_for_status()


def mock_round_trip(client, provider, sub, slug="acme"):
    start = client.get(f"/login/okta/{slug}")
    authorize = requests.post(
        start.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=10
    )
    callback = urlsplit(authorize.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def test_real_provider_signs_in_a_scim_member(client, app, org, provider, jane):
    configure(app, org, provider.url)
    set_user(provider, "00u-jane", email="jane@acme.example.com", name="Jane Doe")
    response = mock_round_trip(client, provider, "00u-jane")
    assert response.status_code == 302
    assert linked_subject(jane) == "00u-jane"


def test_two_organizations_with_two_providers_do_not_mix(
    client, app, org, other_org, provider, jane
):
    second = LiveServer(mock_provider_app(require_nonce=True)).start()
    try:
        configure(app, org, provider.url)
        configure(app, other_org, second.url, domain="globex.example.com")
        globex_jane = Member.create(
            organization=other_org,
            email="jane@globex.example.com",
            email_key="jane@globex.example.com",
            managed_by="scim",
        )
        set_user(provider, "00u-a", email="jane@acme.example.com")
        set_user(second, "00u-b", email="jane@globex.example.com")
        assert mock_round_trip(client, provider, "00u-a", "acme").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
        assert mock_round_trip(client, second, "00u-b", "globex").status_code == 302
        assert linked_subject(globex_jane) == "00u-b"
        assert linked_subject(jane) == "00u-a"
        # Acme's provider vouching for a Globex address does not reach Globex's member.
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
        set_user(provider, "00u-c", email="jane@globex.example.com")
        assert mock_round_trip(client, provider, "00u-c", "acme").status_code == 403
    finally:
        second.stop()


def test_cli_configure_and_show(runner, app, org, crafted):
    result = runner.invoke(
        args=[
            "sso",
            "configure",
            "--org",
            "acme",
            "--issuer",
            crafted.base,
            "--client-id",
            "0oa9",
            "--client-secret",
            "cli-secret-5678",
            "--email-domain",
            "acme.example.com",
        ]
    )
    assert result.exit_code == 0, result.output
    shown = runner.invoke(args=["sso", "show", "--org", "acme"]).output
    assert "client_secret: set, ending in …5678" in shown and "cli-secret-5678" not in shown
    assert "login_redirect_uri: http://127.0.0.1:5000/login/okta/acme/callback" in shown


def test_cli_configure_checks_like_the_wizard(runner, org, crafted):
    result = runner.invoke(
        args=[
            "sso",
            "configure",
            "--org",
            "acme",
            "--issuer",
            crafted.base + "/nothing",
            "--client-id",
            "bad id",
            "--email-domain",
            "x",
        ]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "client_id:" in result.output and "email_domain:" in result.output


def test_enforcement_form_needs_a_test_and_a_break_glass(client, auth, crafted, admin):
    auth.login()
    page = client.get("/integrations/okta/sso").text
    token = csrf_token(page)
    client.post(
        "/integrations/okta/enforcement",
        data={"csrf_token": token, "enforced": "y", "break_glass": "0"},
    )
    assert OktaConnection.get().sign_in_policy.sso_enforced is False
    SsoConfiguration.update(tested_at=OktaConnection.get().created_at).execute()
    client.post(
        "/integrations/okta/enforcement",
        data={"csrf_token": token, "enforced": "y", "break_glass": str(admin.id)},
    )
    connection = OktaConnection.get()
    assert (
        connection.sign_in_policy.sso_enforced
        and connection.sign_in_policy.break_glass_id == admin.id
    )
    assert Member.get_by_id(admin.id).keep_local  # Okta never changes the break-glass admin
    assert AuditEvent.get(AuditEvent.action == "sso.enforcement_changed")


def test_staff_release_a_domain_for_another_organization(
    client, auth, staff, app, org, other_org, crafted
):
    auth.login(email=staff.email)
    page = client.get("/support/organizations/acme").text
    assert "acme.example.com" in page
    client.post(
        "/support/organizations/acme/release-domain",
        data={"csrf_token": csrf_token(page), "domain": "acme.example.com"},
    )
    assert EmailDomain.get_or_none(EmailDomain.organization == org) is None
    configure(app, other_org, crafted.base)  # Globex may now claim it
    assert AuditEvent.get(AuditEvent.action == "staff.email_domain_released").details == {
        "domain": "acme.example.com"
    }
