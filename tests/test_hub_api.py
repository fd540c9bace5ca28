"""Integrations > Okta > Okta API & sync, Role mapping and User detail mapping over HTTP
(the Flask client; the Okta API emulator on 127.0.0.1): the one Connector settings
screen, whose people a sync reads when nobody picked an app, mappings from groups SCIM
pushed without any API, a site added from Role mapping, and the service app's whole
way through the hub (configure, test per scope, sync, refresh, a missing scope, DPoP)."""

from datetime import datetime

import pytest

from tests.conftest import csrf_token, run_sync_now
from tests.fakes.okta_api import TOKEN
from tests.fakes.okta_oauth import SERVICE_CLIENT_ID
from tests.test_flow_opencities import okta_org  # noqa: F401 (fixture: one org URL)
from tests.test_okta_oauth_pages import connect_through_the_page, empty_token_cache  # noqa: F401
from tests.test_permissions import sign_in as sign_in_as
from wizard.domain import connections
from wizard.domain.roles import OrgRole
from wizard.integrations import parts
from wizard.models import (
    AuditEvent,
    DetailMapping,
    Group,
    OktaConnection,
    RoleMapping,
    Site,
    SsoConfiguration,
    SyncRun,
    SyncSettings,
)
from wizard.sync import jobs

CONNECTOR = "/integrations/okta/connector"


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login()
    return client


def post(client, url, data=None, page=None):
    token = csrf_token(client.get(page or url).text)
    return client.post(url, data={**(data or {}), "csrf_token": token})


def tick(app):
    with app.app_context():
        return jobs.tick(now=datetime.utcnow(), owner="test")


# --- Connector settings: every item on one screen, tested together ----------------------


def test_connector_settings_save_and_test_the_api_and_sign_in_together(
    admin_client,
    okta_org,  # noqa: F811 (the fixture imported above)
):
    """The org URL and token are tested per permission and the sign-in app's client ID
    and secret are checked against the issuer's discovery, from one form; the secret and
    the token are stored encrypted and shown nowhere."""
    response = post(
        admin_client,
        CONNECTOR,
        {
            "org_url": okta_org.url,
            "api_token": TOKEN,
            "client_id": "0oa-opencities",
            "client_secret": "opencities-secret-value",
            "email_domain": "acme.example.com",
        },
    )
    assert response.status_code == 302, response.text
    connection = OktaConnection.get()
    assert connection.api.last_check["ok"] and connection.api.token_hint
    pending = SsoConfiguration.get()
    assert pending.issuer == okta_org.url and pending.client_id == "0oa-opencities"
    page = admin_client.get(CONNECTOR).text
    assert "opencities-secret-value" not in page and TOKEN not in page
    assert "Read users" in page and "Pending" in page
    actions = {e.action for e in AuditEvent.select()}
    assert {"sync.api_tested", "sso.settings_saved"} <= actions


def test_connector_settings_put_each_refusal_next_to_its_field_and_keep_the_rest(
    admin_client, okta
):
    """A wrong org URL and a client ID without its email domain: both refused next to
    their fields, what was typed kept, nothing saved."""
    response = post(
        admin_client,
        CONNECTOR,
        {"org_url": "ftp://nowhere", "api_token": TOKEN, "client_id": "0oa-x", "email_domain": ""},
    )
    assert response.status_code == 400
    assert 'id="org_url-error"' in response.text and 'id="email_domain-error"' in response.text
    assert 'value="0oa-x"' in response.text
    assert SsoConfiguration.select().count() == 0
    assert OktaConnection.get().api.token == ""


def test_connector_settings_need_an_enterprise_admin(client, auth, org, okta):
    sign_in_as(client, auth, org, OrgRole.ADMIN)
    assert client.get(CONNECTOR).status_code == 200  # reading is for admins
    response = post(client, CONNECTOR, {"org_url": okta.url, "api_token": TOKEN})
    assert response.status_code == 403
    assert OktaConnection.get().api.token == ""


# --- whose people a sync reads ------------------------------------------------------------


def test_a_passing_test_with_one_app_picks_it(admin_client, okta):
    okta.apps = okta.apps[:1]
    post(
        admin_client,
        "/integrations/okta/api",
        {"auth": "token", "org_url": okta.url, "api_token": TOKEN},
    )
    assert SyncSettings.get().app_id == "0oascim"
    assert "the only app found" in admin_client.get("/integrations/okta/api").text


def test_sync_now_with_two_apps_and_no_pick_is_refused_naming_them(admin_client, okta, app):
    """Nothing to tell whose people: Sync now queues nothing and says what to pick."""
    post(
        admin_client,
        "/integrations/okta/api",
        {"auth": "token", "org_url": okta.url, "api_token": TOKEN},
    )
    assert SyncSettings.get().app_id == ""
    response = post(admin_client, "/integrations/okta/sync/now", page="/integrations/okta/sync")
    assert response.headers["Location"].startswith("/integrations/okta/api")
    page = admin_client.get(response.headers["Location"]).text
    assert "Sync the people assigned to" in page and "Okta connector provisioning" in page
    assert SyncRun.select().count() == 0


def test_a_scheduled_run_without_a_scope_fails_with_what_to_pick(app, synced_org, okta):
    """The daily run cannot ask: it fails, named, and deactivates nobody it synced before."""
    okta.add_users(3)
    assert run_sync_now(app, synced_org).counts["created"] == 3
    with app.app_context():
        from wizard.sync import api_connection

        api_connection.check_connection(OktaConnection.get())  # two apps listed
    SyncSettings.update(app_id="").execute()
    run = run_sync_now(app, synced_org)
    assert run.status == "failed" and "Pick whose people to sync" in run.error
    from wizard.models import Member

    assert Member.select().where(Member.managed_by == "sync", Member.active).count() == 3
    assert parts.api_part(OktaConnection.get()).state == parts.State.ERRORS


def test_with_a_role_mapping_the_mapped_groups_are_the_scope(app, synced_org, okta, admin):
    """Not a refusal: with no app picked, the members of mapped groups are synced."""
    okta.add_users(2, assign=None)
    okta.add_group("00gstaff", "Staff", ["00u000001"])
    run_sync_now(app, synced_org)
    from wizard.domain import mappings

    mappings.save_role_mapping(Group.get(Group.okta_id == "00gstaff"), "User", {}, actor=admin)
    SyncSettings.update(app_id="").execute()
    assert run_sync_now(app, synced_org).status == "succeeded"


# --- mappings without the API ------------------------------------------------------------


def test_role_mapping_works_from_groups_okta_pushed_without_any_api(admin_client, scim):
    """SCIM only: the page opens, the pushed group is offered, the mapping gives its
    members the role (no Okta API connection, no wizard)."""
    ann = scim.create_user("ann@acme.example.com", "Ann", "A")
    group = scim.post("/Groups", {"displayName": "Editors", "members": [{"value": ann["id"]}]})
    page = admin_client.get("/integrations/okta/roles").text
    assert ">Editors</option>" in page
    assert not OktaConnection.get().api.connected
    group_id = Group.get(Group.scim_id == group.json()["id"]).id
    saved = post(
        admin_client,
        "/integrations/okta/roles/save",
        {"group": group_id, "access": "User", "roles-all": "Viewer"},
        page="/integrations/okta/roles",
    )
    assert saved.status_code == 302
    from wizard.models import Member

    assert Member.get(Member.scim_id == ann["id"]).org_role == OrgRole.USER
    assert RoleMapping.select().count() == 1


def test_a_site_is_added_from_role_mapping_and_offered_at_once(admin_client, scim):
    scim.post("/Groups", {"displayName": "Editors", "members": []})
    response = post(
        admin_client,
        "/integrations/okta/roles/sites",
        {"site-name": "Library"},
        page="/integrations/okta/roles",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#add-mapping")
    assert Site.get().name == "Library"
    assert "Roles on Library" in admin_client.get("/integrations/okta/roles").text
    assert AuditEvent.get(AuditEvent.action == "org.site_added").details == {"name": "Library"}


def test_a_refused_site_name_stays_on_role_mapping_with_its_error(admin_client, org):
    from wizard.domain.organizations import add_site

    add_site(org, "Library")
    response = post(
        admin_client,
        "/integrations/okta/roles/sites",
        {"site-name": "library"},
        page="/integrations/okta/roles",
    )
    assert response.status_code == 400
    assert 'id="site-name-error"' in response.text and "Role mapping" in response.text
    assert Site.select().count() == 1


def test_adding_a_site_needs_the_organization_role(client, auth, org):
    """A ReadOnly member cannot; the form is not offered to them either."""
    sign_in_as(client, auth, org, OrgRole.READ_ONLY)
    page = client.get("/integrations/okta").text
    response = client.post(
        "/integrations/okta/roles/sites", data={"site-name": "X", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 403 and Site.select().count() == 0


def test_detail_mapping_opens_without_the_api_and_takes_typed_names(admin_client):
    page = admin_client.get("/integrations/okta/details").text
    assert "connect the Okta API" in page
    saved = post(
        admin_client,
        "/integrations/okta/details",
        {"title-property": "__other__", "title-other": "jobTitle"},
    )
    assert saved.status_code == 302
    assert DetailMapping.get().okta_property == "jobTitle"


# --- the service app's whole way through the hub -----------------------------------------


def test_the_service_app_end_to_end_through_the_hub(admin_client, app, okta, org):
    """Configure (key pair, client ID), test each scope, Sync now, a token Okta ended
    refreshed once, DPoP nonces answered, then a scope taken away named by the next
    Test connection with the menu that grants it; the API part's state follows."""
    org.seat_limit = None
    org.save()
    okta.add_users(4)
    connect_through_the_page(admin_client, okta)
    errors = [r["error"] for r in okta.oauth.token_requests]
    assert errors[0] == "use_dpop_nonce"  # the nonce challenge, answered
    check = OktaConnection.get().api.last_check
    assert check["ok"] and all(result["ok"] for result in check["results"].values())
    okta.apps = [app_ for app_ in okta.apps if app_["id"] == "0oascim"] + [
        a for a in okta.apps if a["id"] == SERVICE_CLIENT_ID
    ]
    SyncSettings.update(app_id="0oascim").execute()
    post(admin_client, "/integrations/okta/sync/now", page="/integrations/okta/sync")
    assert [run.status for run in tick(app)] == ["succeeded"]
    assert parts.api_part(OktaConnection.get()).state == parts.State.HEALTHY
    okta.oauth.expire_tokens()
    okta.add_users(1, start=20)
    post(admin_client, "/integrations/okta/sync/now", page="/integrations/okta/sync")
    run = tick(app)[0]
    assert run.status == "succeeded" and run.counts["created"] == 1
    assert "invalid_token" in okta.oauth.refusals  # refused once, refreshed, carried on
    okta.oauth.apps[SERVICE_CLIENT_ID].scopes.discard("okta.groups.read")
    post(
        admin_client,
        "/integrations/okta/api",
        {"auth": "service_app", "org_url": okta.url, "client_id": SERVICE_CLIENT_ID},
    )
    page = admin_client.get("/integrations/okta/api").text
    assert "Grant okta.groups.read" in page
    assert parts.api_part(OktaConnection.get()).state == parts.State.ERRORS
    assert connections.connection_for(org).api.auth == "service_app"
