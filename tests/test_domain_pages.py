"""Integrations > Okta > Email domains over HTTP, and what a claim does (and does not do)
to sign-in routing: only a domain proven by its DNS TXT record sends people to an
organization's Okta."""

import re

import pytest

from tests.conftest import PASSWORD, Auth, csrf_token, enter_setup_link, verify_domain
from wizard.domain import accounts, connections, setup_links
from wizard.domain import email_domain_verification as domain_verification
from wizard.domain import email_domains as domains
from wizard.domain.roles import OrgRole
from wizard.models import AuditEvent, EmailDomain
from wizard.sso import configurations as sso_configurations

PAGE = "/integrations/okta/domains"


def post_sso_step(client, issuer, email_domain):
    token = csrf_token(client.get("/connect/okta/sso").text)
    return client.post(
        "/connect/okta/sso",
        data={
            "csrf_token": token,
            "okta_domain": issuer,
            "client_id": "0oa-globex",
            "client_secret": "globex-secret-1",
            "email_domain": email_domain,
        },
    )


def login_page_answer(app, email):
    """What an anonymous visitor gets for ``email`` on the email-first sign-in."""
    visitor = app.test_client()
    page = visitor.get("/login")
    return visitor.post("/login", data={"email": email, "csrf_token": csrf_token(page.text)})


def test_globex_claiming_acmes_domain_routes_no_acme_person_to_globex(
    app, client, auth, other_org, discovery_server
):
    """The attack: an admin of Globex types acme.example.com as the primary email domain
    of Globex's SSO. Acme's people typing their address must not land on Globex's Okta."""
    accounts.create_local_admin(
        other_org, "admin@globex.example.com", PASSWORD, OrgRole.ENTERPRISE_ADMIN
    )
    auth.login(email="admin@globex.example.com")
    saved = post_sso_step(client, discovery_server.url, "acme.example.com")
    assert saved.status_code == 302, saved.text
    answer = login_page_answer(app, "jane@acme.example.com")
    assert "/login/okta/globex" not in answer.headers.get("Location", "")
    assert answer.status_code == 401 and "Enter your password." in answer.text


@pytest.mark.parametrize(
    ("domain", "message"),
    [("gmail.com", "free email provider"), ("mailinator.com", "disposable")],
)
def test_the_sso_step_refuses_free_mail_and_disposable_domains_next_to_the_field(
    client, auth, admin, discovery_server, domain, message
):
    """Claiming gmail.com would route every Gmail user to this organization's Okta."""
    auth.login()
    answer = post_sso_step(client, discovery_server.url, domain)
    assert answer.status_code == 400
    error = re.search(r'<p class="error" id="email_domain-error">([^<]+)</p>', answer.text)
    assert error and message in error[1]
    assert EmailDomain.select().count() == 0


def test_the_sso_step_claims_the_domain_pending_and_links_to_the_domains_page(
    app, client, auth, admin, discovery_server
):
    auth.login()
    assert post_sso_step(client, discovery_server.url, "Acme.example.com").status_code == 302
    claim = EmailDomain.get()
    assert (claim.domain, claim.status) == ("acme.example.com", "pending")
    page = client.get("/connect/okta/sso").text
    assert f'href="{PAGE}"' in page and "Not verified yet" in page
    assert login_page_answer(app, "jane@acme.example.com").status_code == 401  # routes nothing


# --- the domains page ----------------------------------------------------------------------


def add_domain(client, domain):
    token = csrf_token(client.get(PAGE).text)
    return client.post(PAGE, data={"csrf_token": token, "domain": domain})


def record_on_page(html, claim_id):
    name = re.search(rf'id="record-name-{claim_id}"[^>]*>([^<]+)<', html)[1]
    value = re.search(rf'id="record-value-{claim_id}"[^>]*>([^<]+)<', html)[1]
    return name, value


def post_action(client, claim_id, action):
    token = csrf_token(client.get(PAGE).text)
    return client.post(f"{PAGE}/{claim_id}/{action}", data={"csrf_token": token})


def test_an_enterprise_admin_adds_and_verifies_a_domain_through_dns(
    app, client, auth, admin, dns_server
):
    """The page shows the record to create; Verify now before it exists says so; once the
    record is published at the real DNS server, Verify now verifies it (audited)."""
    auth.login()
    assert add_domain(client, "Acme.example.com").headers["Location"] == PAGE
    claim = EmailDomain.get()
    page = client.get(PAGE).text
    name, value = record_on_page(page, claim.id)
    assert name == "_okta-connector-challenge.acme.example.com"
    assert value == f"okta-connector-verification={claim.token}"
    assert AuditEvent.get(AuditEvent.action == "domain.claimed").actor_id == admin.id

    post_action(client, claim.id, "verify")
    assert "No TXT record named" in client.get(PAGE).text
    assert EmailDomain.get_by_id(claim.id).status == "pending"

    dns_server.zone.set(name, "TXT", value)
    post_action(client, claim.id, "verify")
    assert "is verified" in client.get(PAGE).text
    assert EmailDomain.get_by_id(claim.id).status == "verified"
    event = AuditEvent.get(AuditEvent.action == "domain.verified")
    assert (event.actor_id, event.details) == (
        admin.id,
        {"domain": "acme.example.com", "method": "dns"},
    )


@pytest.mark.parametrize(
    ("domain", "message"),
    [("gmail.com", "free email provider"), ("trashmail.com", "disposable"), ("acme", "e.g.")],
)
def test_the_page_refuses_a_domain_with_the_reason_next_to_the_field(
    client, auth, admin, domain, message
):
    auth.login()
    answer = add_domain(client, domain)
    assert answer.status_code == 400
    error = re.search(r'<p class="error" id="domain-error">([^<]+)</p>', answer.text)
    assert error and message in error[1]
    assert f'value="{domain}"' in answer.text  # what was typed is kept
    assert EmailDomain.select().count() == 0


def test_an_admin_reads_the_domains_but_cannot_change_them(client, auth, org, admin):
    """Domains decide whose Okta signs people in: an Admin (below EnterpriseAdmin) sees
    the list and the record, and gets 403 on add, verify and remove."""
    claim, _ = domains.claim(org, "acme.example.com")
    accounts.create_local_admin(org, "it@acme.example.com", PASSWORD, OrgRole.ADMIN)
    auth.login(email="it@acme.example.com")
    page = client.get(PAGE)
    assert page.status_code == 200 and "acme.example.com" in page.text
    assert "Verify now</button>" not in page.text and "Add domain</button>" not in page.text
    token = csrf_token(client.get("/account").text)
    for path in (PAGE, f"{PAGE}/{claim.id}/verify", f"{PAGE}/{claim.id}/remove"):
        answer = client.post(path, data={"csrf_token": token, "domain": "acme2.example.com"})
        assert answer.status_code == 403, path
    assert [c.domain for c in EmailDomain.select()] == ["acme.example.com"]


def test_a_setup_link_holder_cannot_verify_or_see_the_domains(app, client, auth, org, admin):
    """The IT person's link does the Okta steps; proving a domain is not one of them."""
    claim, _ = domains.claim(org, "acme.example.com")
    with app.test_request_context():
        _, url = setup_links.create(org, admin)
    it_person = app.test_client()
    enter_setup_link(it_person, url)
    token = csrf_token(it_person.get("/connect/okta/sso").text)
    assert it_person.get(PAGE).status_code == 302  # to sign-in
    verify = it_person.post(f"{PAGE}/{claim.id}/verify", data={"csrf_token": token})
    assert verify.status_code == 302 and "/login" in verify.headers["Location"]
    assert EmailDomain.get_by_id(claim.id).status == "pending"


def test_an_organization_cannot_touch_another_organizations_claim(
    client, auth, org, other_org, dns_server
):
    theirs, _ = domains.claim(other_org, "globex.example.com")
    record = domain_verification.record_for(theirs)
    dns_server.zone.set(record.name, "TXT", record.value)
    accounts.create_local_admin(org, "admin@acme.example.com", PASSWORD, OrgRole.ENTERPRISE_ADMIN)
    auth.login()
    assert "globex.example.com" not in client.get(PAGE).text
    assert post_action(client, theirs.id, "verify").status_code == 404
    assert post_action(client, theirs.id, "remove").status_code == 404
    assert EmailDomain.get_by_id(theirs.id).status == "pending"


def test_removing_a_domain_stops_its_routing(app, client, auth, admin, org):
    claim = verify_domain(org, "acme.example.com")
    auth.login()
    post_action(client, claim.id, "remove")
    assert EmailDomain.get_or_none(EmailDomain.id == claim.id) is None
    assert AuditEvent.get(AuditEvent.action == "domain.removed").details == {
        "domain": "acme.example.com",
        "status": "verified",
    }


def test_verify_only_with_the_form_token(client, auth, admin, org):
    """CSRF: a cross-site POST to Verify now or Remove does nothing."""
    claim, _ = domains.claim(org, "acme.example.com")
    auth.login()
    assert client.post(f"{PAGE}/{claim.id}/remove").status_code in (400, 404)
    assert EmailDomain.get_or_none(EmailDomain.id == claim.id) is not None


def test_a_verified_domain_routes_to_its_organization_only(
    app, client, auth, admin, other_org, dns_server, discovery_server
):
    """Globex's pending claim on acme.example.com changes nothing; Acme proves it, and
    from then on Acme's people go to Acme's Okta."""
    domains.claim(other_org, "acme.example.com")
    auth.login()
    assert post_sso_step(client, discovery_server.url, "acme.example.com").status_code == 302
    with app.app_context():  # live, as the EnterpriseAdmin's test sign-in makes it
        connection = connections.connection_for(admin.organization)
        sso_configurations.activate(sso_configurations.pending(connection), actor_label="tests")
    assert login_page_answer(app, "jane@acme.example.com").status_code == 401
    claim = EmailDomain.get(EmailDomain.organization == admin.organization)
    record = domain_verification.record_for(claim)
    dns_server.zone.set(record.name, "TXT", record.value)
    post_action(client, claim.id, "verify")
    routed = login_page_answer(app, "jane@acme.example.com")
    assert routed.headers["Location"].startswith("/login/okta/acme?login_hint=jane")


def test_support_releases_a_domain_so_another_organization_can_verify_it(
    app, client, auth, org, other_org, staff, dns_server
):
    """Acme holds acme.example.com verified: Globex's Verify now is refused with the way
    out. Support releases Acme's claim (audited); Globex's next Verify now succeeds."""
    acme = verify_domain(org, "acme.example.com")
    accounts.create_local_admin(
        other_org, "admin@globex.example.com", PASSWORD, OrgRole.ENTERPRISE_ADMIN
    )
    globex = EmailDomain.create(
        organization=other_org, domain="acme.example.com", token="globex-token-0123456789"
    )  # claimed before Acme proved it (a claim now would be refused)
    record = domain_verification.record_for(globex)
    dns_server.zone.set(record.name, "TXT", record.value)
    auth.login(email="admin@globex.example.com")
    post_action(client, globex.id, "verify")
    assert "Ask our support team" in client.get(PAGE).text
    assert EmailDomain.get_by_id(globex.id).status == "pending"
    assert AuditEvent.get(AuditEvent.action == "domain.taken").organization_id == other_org.id

    support = app.test_client()
    Auth(support).login(email=staff.email)
    page = support.get("/support/organizations/acme").text
    assert "acme.example.com" in page and "Release the domain" in page
    support.post(
        "/support/organizations/acme/release-domain",
        data={"csrf_token": csrf_token(page), "domain": "acme.example.com"},
    )
    assert EmailDomain.get_or_none(EmailDomain.id == acme.id) is None
    released = AuditEvent.get(AuditEvent.action == "staff.email_domain_released")
    assert (released.actor_id, released.details) == (staff.id, {"domain": "acme.example.com"})

    post_action(client, globex.id, "verify")
    assert EmailDomain.get_by_id(globex.id).status == "verified"
    assert domains.organization_for_email("jane@acme.example.com").id == other_org.id


def test_a_missing_record_shows_a_notice_then_the_lapse_on_both_pages(
    app, client, auth, admin, org, dns_server
):
    from datetime import timedelta

    from wizard.domain import email_domain_recheck as domain_recheck
    from wizard.models import utcnow

    claim, _ = domains.claim(org, "acme.example.com")
    record = domain_verification.record_for(claim)
    dns_server.zone.set(record.name, "TXT", record.value)
    start = utcnow() - timedelta(days=10)
    with app.app_context():
        domain_verification.check_now(claim, now=start)
        dns_server.zone.set(record.name, "TXT")
        domain_recheck.recheck_due(start + timedelta(days=1, minutes=1))
    auth.login()
    for path in ("/integrations", PAGE):
        page = client.get(path).text
        assert 'class="flash flash-warning domain-notice"' in page, path
        assert "acme.example.com lapses on" in page
    with app.app_context():
        domain_recheck.recheck_due(start + timedelta(days=9))
    for path in ("/integrations", PAGE):
        page = client.get(path).text
        assert 'class="flash flash-error domain-notice"' in page, path
        assert "acme.example.com lapsed on" in page and "no longer go to your Okta" in page


def test_disconnect_keeps_the_domain_claims(client, auth, admin, org, scim):
    """Claims are proofs of ownership, not Okta settings: they survive a disconnect."""
    claim = verify_domain(org, "acme.example.com")
    auth.login()
    page = client.get("/integrations/okta/disconnect").text
    client.post(
        "/integrations/okta/disconnect",
        data={"csrf_token": csrf_token(page), "confirm_name": "Acme"},
    )
    assert EmailDomain.get_by_id(claim.id).status == "verified"
