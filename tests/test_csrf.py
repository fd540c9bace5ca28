"""CSRF: flask-wtf's CSRFProtect checks every POST (SCIM's bearer-token blueprint aside),
so a button-only form needs no form class, only ``csrf_token()`` in its template. A
cross-site POST to any of them is refused and changes nothing."""

import json

import pytest
from werkzeug.routing import Rule

from tests.conftest import PASSWORD
from tests.test_form_limits import all_forms
from wizard import directory
from wizard.domain import accounts, connections, mappings, setup_links
from wizard.domain.organizations import add_site
from wizard.domain.roles import OrgRole
from wizard.models import (
    AuditEvent,
    EmailDomain,
    FailedMigration,
    Member,
    OktaConnection,
    RoleMapping,
    SetupLink,
    Site,
    SyncRun,
    TrustedHost,
)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def test_no_form_class_is_only_a_csrf_token(app):
    """A form with no fields of its own is a template's ``csrf_token()``, not a class.
    (The app is built first: it imports every module that defines a form.)"""
    forms = all_forms()
    assert len(forms) > 20
    with app.test_request_context(method="POST"):
        empty = [
            f"{form.__module__}.{form.__name__}"
            for form in forms
            if not form(meta={"csrf": False})._fields
        ]
    assert empty == []


@pytest.fixture
def acme(app, org, admin):
    """One of every Acme row a former button-only form acts on."""
    with app.app_context():
        connection = connections.ensure_connection(org)
        link, _ = setup_links.create(org, admin)
    local = accounts.create_local_admin(org, "lee@acme.example.com", PASSWORD, OrgRole.USER)
    okta = Member.create(
        organization=org, email="o@acme.example.com", email_key="o@acme.example.com"
    )
    Member.update(managed_by="scim").where(Member.id == okta.id).execute()
    group, _ = directory.create_or_link_group(
        org, "Acme group", external_id=None, managed_by="scim", actor_label="test"
    )
    from tests.conftest import verify_domain

    return {
        "connection": connection,
        "site": add_site(org, "Acme site").id,
        "mapping": mappings.save_role_mapping(group, "User", {}, actor=admin).id,
        "local": local.scim_id,
        "okta": okta.scim_id,
        "claim": verify_domain(org, "acme.example.com").id,
        "link": link.id,
        "host": TrustedHost.create(organization=org, host="idp.acme.example.com").id,
        "failure": FailedMigration.create(
            organization=org, source="scim", operation="create", reason="invalid_data"
        ).id,
        "run": SyncRun.create(
            organization=org, trigger="manual", status="succeeded", held=[{"member": okta.id}]
        ).id,
    }


FORMER_BUTTON_ONLY_FORMS = [
    "/account/sessions/end",
    "/login/okta/acme/link",
    "/integrations/okta/roles/{mapping}/delete",
    "/integrations/okta/details",
    "/team/users/{local}/okta-link",
    "/team/users/{local}/password-link",
    "/org/sites/{site}/delete",
    "/integrations/okta/domains/{claim}/verify",
    "/integrations/okta/domains/{claim}/remove",
    "/integrations/okta/convert",
    "/team/users/{okta}/convert",
    "/integrations/okta/setup-links/{link}/revoke",
    "/setup/continue",
    "/connect/okta/credentials",
    "/connect/okta/assign",
    "/connect/okta/push",
    "/connect/okta/finish",
    "/connect/okta/credentials/token",
    "/connect/okta/self-test",
    "/integrations/okta/trusted-hosts/{host}/remove",
    "/failed-migrations/{failure}/retry",
    "/failed-migrations/{failure}/link",
    "/failed-migrations/{failure}/ignore",
    "/failed-migrations/{failure}/resolve",
    "/integrations/okta/sync/now",
    "/integrations/okta/sync/dry-run",
    "/integrations/okta/sync/pause",
    "/integrations/okta/sync/resume",
    "/integrations/okta/sync/runs/{run}/held/approve",
    "/integrations/okta/sync/runs/{run}/held/discard",
]


def acme_rows() -> str:
    rows = []
    for model in (
        Member,
        Site,
        RoleMapping,
        EmailDomain,
        SetupLink,
        TrustedHost,
        FailedMigration,
        SyncRun,
        OktaConnection,
        AuditEvent,
    ):
        for row in model.select().order_by(model.id):
            data = {k: v for k, v in row.__data__.items() if k not in ("last_seen_at",)}
            rows.append((model.__name__, json.dumps(data, default=str, sort_keys=True)))
    return json.dumps(rows)


@pytest.mark.parametrize("path", FORMER_BUTTON_ONLY_FORMS)
def test_a_post_without_the_token_is_refused_and_changes_nothing(
    app, client, auth, acme, path, monkeypatch
):
    """Attack: another site makes the signed-in EnterpriseAdmin's browser POST one of
    the button-only forms (Remove, Revoke, Sync now, Convert...). No token: 400, and
    nothing happens (no row changes, no audit event)."""
    from wizard.auth import fresh

    monkeypatch.setattr(fresh, "is_fresh", lambda: True)  # past the confirmation page
    auth.login()
    before = acme_rows()
    response = client.post(path.format(**acme), data={"note": "x"})
    assert response.status_code == 400, response.text
    assert "This form expired" in response.text
    assert acme_rows() == before


def write_routes(app) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.methods & WRITES and not rule.endpoint.startswith("scim.")
    ]


def test_every_write_route_but_scim_checks_the_token(app, client):
    """Walk the URL map: each route that takes a POST (PUT, PATCH, DELETE) outside SCIM
    refuses one without the token, before any view runs."""
    routes = write_routes(app)
    assert len(routes) > 40
    for rule in routes:
        values = {name: 1 if name.endswith("_id") else "x" for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods & WRITES):
            response = client.open(path, method=method, data={})
            assert response.status_code == 400, f"{method} {path}: {response.status_code}"
