"""Trusted hosts (Integrations > Okta > Trusted hosts): who may change them, how a host
is entered, what an issuer or org URL on a host nobody allowed is told, the migration
that keeps configured custom domains working."""

import time

import pytest

from tests.conftest import PASSWORD, csrf_token
from tests.fakes.okta_api import TOKEN
from tests.fakes.recorder import Recorder
from tests.fakes.tls import LocalAuthority
from wizard.db import MIGRATIONS_DIR
from wizard.domain import accounts
from wizard.domain.roles import OrgRole
from wizard.models import (
    AuditEvent,
    OktaConnection,
    Organization,
    SsoConfiguration,
    SsoState,
    TrustedHost,
)
from wizard.outbound.trusted_hosts import TrustedHostError, host_from_input

PAGE = "/integrations/okta/trusted-hosts"


def add(client, host, page=PAGE):
    token = csrf_token(client.get(page).text)
    return client.post(PAGE, data={"host": host, "csrf_token": token})


@pytest.fixture
def idp(app, dns_server, tmp_path):
    """An OpenID provider at https://idp.example.com:<port> (DNS: 127.0.0.1, certificate
    from a private CA named by OUTBOUND_CA_BUNDLE), on no allowed list."""
    authority = LocalAuthority(tmp_path)
    app.config["OUTBOUND_CA_BUNDLE"] = str(authority.ca_path)
    server = Recorder(ssl_context=authority.server_context("idp.example.com")).start()
    dns_server.zone.set("idp.example.com", "A", "127.0.0.1")
    server.issuer = f"https://idp.example.com:{server.port}"
    yield server
    server.stop()


def test_an_enterprise_admin_adds_and_removes_a_host_audited(client, auth, admin):
    auth.login()
    response = add(client, "https://Login.Acme-Corp.example.com/oauth2/default")
    assert response.status_code == 302
    trusted = TrustedHost.get()
    assert (trusted.host, trusted.added_by_id) == ("login.acme-corp.example.com", admin.id)
    page = client.get(PAGE).text
    assert "login.acme-corp.example.com" in page
    event = AuditEvent.get(AuditEvent.action == "trusted_host.added")
    assert (event.actor_id, event.details) == (admin.id, {"host": "login.acme-corp.example.com"})
    client.post(f"{PAGE}/{trusted.id}/remove", data={"csrf_token": csrf_token(page)})
    assert TrustedHost.select().count() == 0
    assert AuditEvent.get(AuditEvent.action == "trusted_host.removed").details == {
        "host": "login.acme-corp.example.com"
    }


@pytest.mark.parametrize("role", [OrgRole.ADMIN, OrgRole.USER, OrgRole.READ_ONLY])
def test_below_enterprise_admin_nobody_adds_a_host(client, auth, org, role):
    """An Admin could otherwise point our server at any host it likes."""
    member = accounts.create_local_admin(org, "someone@acme.example.com", PASSWORD, role)
    auth.login(email=member.email)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Trust this host" not in page.text
    response = client.post(
        PAGE, data={"host": "evil.example.com", "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 403 and TrustedHost.select().count() == 0


def test_another_organizations_host_cannot_be_removed(client, auth, admin, other_org):
    theirs = TrustedHost.create(organization=other_org, host="idp.globex.example.com")
    auth.login()
    token = csrf_token(client.get(PAGE).text)
    response = client.post(f"{PAGE}/{theirs.id}/remove", data={"csrf_token": token})
    assert response.status_code == 404 and TrustedHost.get_by_id(theirs.id)


def test_adding_a_host_needs_a_fresh_sign_in(client, auth, admin):
    auth.login()
    token = csrf_token(client.get(PAGE).text)
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 3600
    response = client.post(PAGE, data={"host": "idp.example.com", "csrf_token": token})
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert TrustedHost.select().count() == 0


@pytest.mark.parametrize(
    ("typed", "host"),
    [
        ("login.acme.com", "login.acme.com"),
        ("  LOGIN.ACME.COM. ", "login.acme.com"),
        ("https://login.acme.com:8443/oauth2/default", "login.acme.com"),
        ("lögin.acme.com", "xn--lgin-5qa.acme.com"),
    ],
)
def test_a_host_is_entered_as_a_name_or_a_url(typed, host):
    assert host_from_input(typed) == host


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("10.0.0.5", "not an IP address"),
        ("https://[::1]/", "not an IP address"),
        ("*.acme.com", "no wildcards"),
        ("localhost", "no wildcards"),
        ("intranet", "no wildcards"),
        ("acme.okta.com", "always allowed"),
        ("", "host name"),
    ],
)
def test_a_host_that_is_not_a_plain_name_is_refused(typed, message):
    with pytest.raises(TrustedHostError, match=message):
        host_from_input(typed)


def test_the_same_host_twice_is_one_clear_error(client, auth, admin):
    auth.login()
    add(client, "idp.example.com")
    response = add(client, "IDP.example.com")
    assert response.status_code == 400 and "already a trusted host" in response.text
    assert TrustedHost.select().count() == 1


def sso_form(client, issuer):
    page = client.get("/connect/okta/sso")
    return client.post(
        "/connect/okta/sso",
        data={
            "okta_domain": issuer,
            "client_id": "0oa1abc",
            "client_secret": "s3cret-value-1234",
            "email_domain": "acme.example.com",
            "csrf_token": csrf_token(page.text),
        },
    )


def test_an_issuer_on_a_host_nobody_allowed_says_how_to_allow_it(client, auth, admin, idp):
    """The field says why and what to do; nothing is fetched. Once the EnterpriseAdmin
    trusts the host, the same issuer is accepted."""
    auth.login()
    refused = sso_form(client, idp.issuer)
    assert refused.status_code == 400 and idp.requests == []
    assert "not an Okta domain" in refused.text and "Trusted hosts" in refused.text
    assert not SsoConfiguration.select().exists()
    add(client, "idp.example.com")
    assert sso_form(client, idp.issuer).status_code == 302
    assert OktaConnection.get().pending_sso.issuer == idp.issuer


def test_an_org_url_on_a_host_nobody_allowed_is_a_field_error(client, auth, admin, idp):
    auth.login()
    page = client.get("/integrations/okta/api")
    response = client.post(
        "/integrations/okta/api",
        data={"org_url": idp.issuer, "api_token": TOKEN, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 200 and "Trusted hosts" in response.text
    assert idp.requests == [] and OktaConnection.get().api.org_url == ""


def test_migration_trusts_custom_hosts_configured_before_it(tmp_path):
    """A stored issuer or org URL on a custom domain keeps working after the upgrade: its
    host becomes trusted (audited); Okta's domains and loopback hosts need no entry."""
    from peewee_migrate import Router

    from tests.conftest import app_config
    from tests.test_migration_023 import MOVED_COLUMN_DEFAULTS
    from tests.test_scim_owners import insert_row
    from wizard import create_app
    from wizard.db import database

    create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'before015.db'}"))
    with database.connection_context():
        router = Router(database.obj, migrate_dir=str(MIGRATIONS_DIR))
        names = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))
        router.run(names[names.index(_migration_name()) - 1])  # the schema 015 met
        org, other_org = (
            insert_row(Organization, name=name, slug=name.lower()) for name in ("Acme", "Globex")
        )
        # The Okta API's org URL was still a column of the connection then.
        mine, theirs = (
            insert_row(
                OktaConnection,
                **{**MOVED_COLUMN_DEFAULTS, "api_org_url": url},
                organization=organization,
                scim_key=key,
            )
            for organization, key, url in (
                (org, "k1", "https://acme.okta.com"),
                (other_org, "k2", "https://sso.globex.com"),
            )
        )
        for connection, issuer, state in (
            (mine, "https://login.acme.com/oauth2/default", SsoState.LIVE),
            (theirs, "http://127.0.0.1:8080", SsoState.PENDING),
            (theirs, "https://old.globex.example.com", SsoState.RETIRED),  # signs nobody in
        ):
            insert_row(
                SsoConfiguration, connection=connection, state=state, issuer=issuer, client_id="c"
            )
        router.run(_migration_name())
        # Read as stored: the models may already know columns later migrations add.
        hosts = database.execute_sql("SELECT organization_id, host FROM trusted_host")
        assert set(hosts.fetchall()) == {(org, "login.acme.com"), (other_org, "sso.globex.com")}
        events = database.execute_sql(
            "SELECT actor_label FROM audit_event WHERE action = 'trusted_host.added'"
        ).fetchall()
        assert {label for (label,) in events} == {"migration"} and len(events) == 2


def _migration_name() -> str:
    return next(p.stem for p in MIGRATIONS_DIR.glob("015_*.py"))
