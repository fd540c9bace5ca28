"""Tenant isolation across every route: an Acme admin (and Acme's SCIM token) aimed at
Globex's ids gets 403/404 and changes nothing. The test fails when a route that takes an
argument has no case here, so new routes must say how they are isolated."""

import json

import pytest
from werkzeug.routing import Rule

from tests.conftest import PASSWORD, csrf_token, issue_scim_client, verify_domain
from wizard.domain import accounts, connections, mappings, setup_links
from wizard.domain.organizations import add_site
from wizard.models import (
    CONNECTION_PARTS,
    AuditEvent,
    EmailDomain,
    FailedMigration,
    Group,
    Member,
    OktaConnection,
    RoleMapping,
    ScimToken,
    SetupLink,
    Site,
    SyncRun,
    TrustedHost,
)

# Arguments that are not another tenant's ids, with why.
NOT_IDS = {
    ("static", "filename"): "public files",
    ("connect.step", "slug"): "a wizard step name, scoped to the caller's organization",
    ("integrations.sync_held", "decision"): "approve or discard (the run id is checked)",
    ("scim.resource_type", "name"): "discovery: the same for every tenant",
    ("scim.schema", "urn"): "discovery: the same for every tenant",
    ("connect.open_setup_link", "token"): "a bearer secret: unknown tokens are 410",
    ("auth.set_password_link", "token"): "a bearer secret: unknown tokens are 410",
}
# Public by design: Okta sign-in starts from an organization's slug (bookmarks, tiles).
PUBLIC = {"auth.okta_start", "auth.okta_callback", "auth.okta_signed_out"}


@pytest.fixture
def globex(app, other_org, db):
    """Globex with one of everything an id can name."""
    globex_admin = accounts.create_local_admin(other_org, "boss@globex.example.com", PASSWORD)
    site = add_site(other_org, "Globex site")
    with app.app_context():
        connection = connections.ensure_connection(other_org)
        token, _ = connections.issue_scim_token(connection)
        link, _ = setup_links.create(other_org, globex_admin)
    member = Member.create(
        organization=other_org,
        email="m@globex.example.com",
        email_key="m@globex.example.com",
        managed_by="scim",
    )
    from wizard import directory

    group, _ = directory.create_or_link_group(
        other_org, "Globex group", external_id=None, managed_by="scim", actor_label="test"
    )
    directory.add_members(group, [member.id], managed_by="scim", actor_label="test")
    mapping = mappings.save_role_mapping(group, "User", {}, actor=globex_admin)
    failure = FailedMigration.create(
        organization=other_org,
        source="scim",
        operation="create",
        reason="invalid_data",
        user_name="x",
    )
    run = SyncRun.create(
        organization=other_org,
        trigger="manual",
        status="succeeded",
        held=[{"member": member.id, "email": member.email}],
    )
    trusted = TrustedHost.create(organization=other_org, host="idp.globex.example.com")
    return {
        "host_id": trusted.id,
        "token_id": token.id,
        "site_id": site.id,
        "member_id": member.scim_id,
        "group_id": group.scim_id,
        "user_id": member.scim_id,
        "mapping_id": mapping.id,
        "failure_id": failure.id,
        "run_id": run.id,
        "link_id": link.id,
        "claim_id": verify_domain(other_org, "globex.example.com").id,
        "slug": "globex",
        "scim_key": connection.scim_key,
    }


def snapshot() -> str:
    """Everything Globex owns, serialized: must not change."""
    rows = []
    for model in (
        Member,
        Group,
        Site,
        RoleMapping,
        FailedMigration,
        SyncRun,
        SetupLink,
        OktaConnection,
        *CONNECTION_PARTS,
        ScimToken,
        EmailDomain,
        TrustedHost,
    ):
        for row in model.select().order_by(model.id):
            data = dict(row.__data__)
            # A wrong token on Globex's URL is recorded for Globex's wizard ("someone tried
            # with a token we don't recognise"): telemetry, not Globex's data.
            data.pop("last_auth_failure_at", None)
            data.pop("last_auth_failure_ip", None)
            organization = data.get("organization")
            if model in CONNECTION_PARTS:  # a connection's own rows: its organization's
                organization = OktaConnection.get_by_id(row.connection_id).organization_id
            if organization in (None, 2) or model is ScimToken:
                rows.append((model.__name__, json.dumps(data, default=str, sort_keys=True)))
    return json.dumps(rows)


def url_for_rule(rule: Rule, values: dict) -> str:
    return rule.build(values, append_unknown=False)[1]


def test_every_route_with_an_argument_is_isolated(app, client, auth, admin, scim, globex):
    """Walk the URL map; aim each argument-taking route at Globex."""
    auth.login()
    before = snapshot()
    events_before = AuditEvent.select().where(AuditEvent.organization == 2).count()
    checked, missing = [], []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint in PUBLIC:
            continue
        values = {}
        for argument in rule.arguments:
            if (rule.endpoint, argument) in NOT_IDS:
                values[argument] = {
                    "slug": "sso",
                    "decision": "approve",
                    "name": "User",
                    "token": "x",
                    "filename": "x",
                    "urn": "x",
                }[argument]
            elif argument in globex:
                values[argument] = globex[argument]
            else:
                missing.append(f"{rule.endpoint}: {argument}")
        if any(f"{rule.endpoint}:" in m for m in missing):
            continue
        path = url_for_rule(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = _call(client, scim, rule, method, path)
            checked.append(f"{method} {path} -> {response.status_code}")
            if rule.endpoint.startswith("scim."):
                allowed = {401, 404, 405, 501} if "scim_key" in rule.arguments else {404}
            elif rule.endpoint in (
                "static",
                "connect.open_setup_link",
                "auth.set_password_link",
                "connect.step",
            ):
                continue  # not tenant-addressed (see NOT_IDS)
            else:
                allowed = {403, 404}
            assert response.status_code in allowed, f"{method} {path}: {response.status_code}"
    assert not missing, "routes with arguments and no isolation case: " + ", ".join(missing)
    assert len(checked) > 30
    assert snapshot() == before
    assert AuditEvent.select().where(AuditEvent.organization == 2).count() >= events_before


def _call(client, scim, rule, method, path):
    if rule.endpoint.startswith("scim."):
        # Acme's valid token: aimed at Globex's base URL (401) or Globex's ids (404).
        key = scim.base.rsplit("/", 1)[1]
        body = {"Operations": [{"op": "replace", "value": {"active": False}}]}
        response = scim.session.request(
            method,
            scim.base.split("/scim/")[0] + path,
            json=body if method in ("PUT", "PATCH", "POST") else None,
            timeout=10,
        )
        assert key
        return response
    if method == "GET":
        return client.get(path)
    token = csrf_token(client.get("/account").text)
    return client.open(
        path, method=method, data={"csrf_token": token, "note": "x", "confirm": "y", "name": "x"}
    )


def test_acme_token_with_globex_scim_ids_is_404(app, live_server, scim, globex):
    for path in (f"/Users/{globex['user_id']}", f"/Groups/{globex['group_id']}"):
        assert scim.get(path).status_code == 404
    globex_client = issue_scim_client(
        app, Member.get(Member.organization == 2).organization, live_server.url
    )
    assert globex_client.get(f"/Users/{globex['user_id']}").status_code == 200
