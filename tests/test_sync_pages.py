"""The sync pages over HTTP and in Chromium: API connection, Sync now, pause, held
deactivations, drift in the wizard."""

import threading

import pytest
from playwright.sync_api import expect

from tests.conftest import csrf_token, run_sync_now
from tests.fakes.okta_api import TOKEN
from tests.test_browser_accounts import sign_in
from wizard.models import AuditEvent, Member, OktaConnection, SyncRun, SyncSettings
from wizard.permissions import Action
from wizard.sync import jobs


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login()
    return client


def post(client, url, data=None, page="/integrations/okta/sync"):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client.get(page).text)})


def test_api_page_saves_tests_and_shows_roles(admin_client, okta):
    response = post(
        admin_client,
        "/integrations/okta/api",
        {"org_url": okta.url, "api_token": TOKEN},
        page="/integrations/okta/api",
    )
    assert response.status_code == 302
    page = admin_client.get("/integrations/okta/api").text
    assert "Org Admin" in page and "ending in" in page and TOKEN not in page
    assert "Okta connector provisioning" in page  # the app list for the scope
    assert "Org Admin</strong> ✓" in admin_client.get("/connect/okta/permissions").text


def test_api_page_names_a_missing_scope(admin_client, okta):
    okta.forbidden_paths.add("/api/v1/groups")
    post(
        admin_client,
        "/integrations/okta/api",
        {"org_url": okta.url, "api_token": TOKEN},
        page="/integrations/okta/api",
    )
    page = admin_client.get("/integrations/okta/api").text
    assert "grant the okta.groups.read scope" in page


def test_sync_now_queues_once_and_pause_resume_persist(admin_client, synced_org):
    post(admin_client, "/integrations/okta/sync/now")
    post(admin_client, "/integrations/okta/sync/now")  # a double click
    assert SyncRun.select().where(SyncRun.status == "queued").count() == 1
    page = admin_client.get("/integrations/okta/sync").text
    assert "No scheduler is running here" in page
    post(admin_client, "/integrations/okta/sync/pause")
    assert "Auto sync paused" in admin_client.get("/integrations/okta/sync").text
    post(admin_client, "/integrations/okta/sync/resume")
    assert OktaConnection.get().sync_settings.paused_at is None
    assert AuditEvent.select().where(AuditEvent.action == "sync.pause").count() == 1


@pytest.mark.parametrize(
    ("path", "endpoint"),
    [("now", "now"), ("dry-run", "dry_run"), ("pause", "pause"), ("resume", "resume")],
)
def test_each_sync_action_is_its_own_route_with_its_own_permission(app, path, endpoint):
    """One route per action, at the URL it always had, each naming what it requires:
    no view that branches on the posted action name."""
    adapter = app.url_map.bind("localhost")
    url = f"/integrations/okta/sync/{path}"
    assert adapter.match(url, method="POST") == (f"integrations.sync_{endpoint}", {})
    assert app.view_functions[f"integrations.sync_{endpoint}"].permission == Action.RUN_SYNC


def test_dry_run_queues_a_dry_run_and_is_audited(admin_client, synced_org):
    post(admin_client, "/integrations/okta/sync/dry-run")
    run = SyncRun.get(SyncRun.status == "queued")
    assert run.dry_run and run.trigger == "manual"
    assert AuditEvent.select().where(AuditEvent.action == "sync.dry_run").count() == 1


def test_a_post_to_a_status_endpoint_is_no_sync_action(admin_client, synced_org):
    """``/sync/<anything>`` no longer catches every POST: the status endpoint answers
    405 (wrong method), an unknown action 404, and neither queues anything."""
    token = csrf_token(admin_client.get("/integrations/okta/sync").text)
    response = admin_client.post("/integrations/okta/sync/status.json", data={"csrf_token": token})
    assert (response.status_code, response.mimetype) == (405, "application/json")
    assert post(admin_client, "/integrations/okta/sync/everything").status_code == 404
    assert SyncRun.select().count() == 0


def test_schedule_form_validates(admin_client, synced_org):
    post(
        admin_client,
        "/integrations/okta/sync/schedule",
        {"sync_time": "25:00", "deactivation_limit": "20"},
    )
    assert OktaConnection.get().sync_settings.daily_at == "03:00"
    post(
        admin_client,
        "/integrations/okta/sync/schedule",
        {"sync_time": "04:30", "deactivation_limit": "10"},
    )
    assert (
        OktaConnection.get().sync_settings.daily_at,
        OktaConnection.get().sync_settings.deactivation_limit,
    ) == (
        "04:30",
        10,
    )


def test_held_deactivations_can_be_approved(admin_client, app, synced_org, okta):
    okta.add_users(10)
    run_sync_now(app, synced_org)
    okta.app_users["0oascim"] = okta.app_users["0oascim"][:2]
    run = run_sync_now(app, synced_org)
    page = admin_client.get("/integrations/okta/sync").text
    assert "waiting for approval" in page
    post(admin_client, f"/integrations/okta/sync/runs/{run.id}/held/approve")
    assert Member.select().where(Member.active & (Member.managed_by == "sync")).count() == 2


def test_drift_shows_in_the_wizard(admin_client, app, synced_org, okta, scim):
    okta.add_users(1)
    scim.get("/Users")  # SCIM is live: the sync reports instead of provisioning
    run_sync_now(app, synced_org)
    assert "Provision User" in admin_client.get("/connect/okta/assign").text


@pytest.mark.browser
def test_sync_now_shows_progress_then_the_result(
    page, live_server, app, admin, synced_org, okta, screenshot
):
    okta.add_users(600)
    okta.page_size = 50
    from datetime import datetime

    SyncSettings.update(paused_at=datetime.utcnow()).execute()  # no scheduled run
    # Reading 12 pages of users (the app's users and the groups are read alongside)
    # takes long enough for the page to poll a running run.
    okta.delay = 0.25
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/integrations/okta/sync")
    page.get_by_role("button", name="Sync now").click()  # works while auto sync is paused
    expect(page.locator('[data-sync="status"]')).to_have_text("Queued")

    def scheduler_tick():
        with app.app_context():
            jobs.tick(owner="browser-test")

    worker = threading.Thread(target=scheduler_tick, daemon=True)
    worker.start()
    expect(page.locator('[data-sync="progress"]')).to_be_visible(timeout=20_000)
    screenshot("sync-running")
    expect(page.get_by_text("Succeeded").first).to_be_visible(timeout=60_000)
    expect(page.get_by_role("cell", name="created 600", exact=True)).to_be_visible()
    expect(page.get_by_text("Deactivations waiting for approval")).to_have_count(0)
    screenshot("sync-done")
    worker.join(timeout=60)


@pytest.mark.browser
def test_drift_is_listed_on_the_sync_page(page, live_server, app, admin, synced_org, okta, scim):
    okta.add_users(2)
    scim.create_user("user1@acme.example.com", externalId="00u000001")
    run_sync_now(app, synced_org)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/integrations/okta/sync")
    expect(page.get_by_role("heading", name="Drift between Okta and here")).to_be_visible()
    expect(page.get_by_role("cell", name="user2@acme.example.com")).to_be_visible()
    expect(page.get_by_role("cell", name="Assigned in Okta, never arrived")).to_be_visible()
