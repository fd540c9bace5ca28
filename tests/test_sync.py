"""The pull sync against the Okta API emulator: provisioning, drift, safety, dry run,
failures, leases and the schedule (with an injected clock)."""

import json
from datetime import datetime, timedelta

import pytest

from tests.conftest import run_sync_now
from tests.fakes.okta_api import TOKEN
from tests.servers import run_scheduler_ticks
from wizard.domain.connections import ensure_connection
from wizard.models import (
    AuditEvent,
    FailedMigration,
    Group,
    Member,
    OktaApiConnection,
    OktaConnection,
    SyncRun,
    SyncSettings,
)
from wizard.scim import request_log
from wizard.sync import api_connection, jobs, runs

sync = run_sync_now


def test_check_connection_reports_each_permission_and_roles(app, synced_org, okta):
    with app.app_context():
        check = api_connection.check_connection(OktaConnection.get())
    assert check["ok"] and check["roles"] == ["Org Admin"] and check["can_add_apps"]
    assert {a["id"] for a in check["apps"]} == {"0oascim", "0oaoidc"}
    okta.forbidden_paths.add("/api/v1/users/00uadmin/roles")
    with app.app_context():
        check = api_connection.check_connection(OktaConnection.get())
    assert not check["ok"] and check["results"]["users"]["ok"]
    assert "okta.roles.read" in check["results"]["roles"]["message"]


def test_expired_token_is_explained(app, synced_org, okta):
    okta.token = "rotated-in-okta"
    with app.app_context():
        check = api_connection.check_connection(OktaConnection.get())
    assert "Security > API > Tokens" in check["results"]["users"]["message"]


def test_token_is_stored_encrypted(synced_org):
    connection = OktaConnection.get()
    assert TOKEN not in connection.api.token and connection.api.token_hint == TOKEN[-4:].join(
        ["…", ""]
    )


def test_first_sync_provisions_and_a_rerun_writes_nothing(app, synced_org, okta):
    okta.add_users(12)
    okta.add_group("00g1", "Engineering", ["00u000001", "00u000002"])
    okta.add_group("00g2", "Design", ["00u000002", "00u000003", "00u000004"])
    first = sync(app, synced_org)
    assert first.status == "succeeded", first.error
    assert first.counts["created"] == 12 and first.counts["groups_created"] == 2
    assert first.counts["memberships_changed"] == 2
    assert first.counts["held"] == 0 and first.counts["deactivated"] == 0
    member = Member.get(Member.okta_id == "00u000001")
    assert (member.managed_by, member.given_name) == ("sync", "First1")
    sizes = {g.display_name: g.memberships.count() for g in Group.select()}
    assert sizes == {"Engineering": 2, "Design": 3}
    snapshot = [(m.id, m.updated_at, m.version) for m in Member.select().order_by(Member.id)]
    audits = AuditEvent.select().count()
    again = sync(app, synced_org)
    assert again.counts["unchanged"] == 12
    assert sum(v for k, v in again.counts.items() if k != "unchanged") == 0
    assert [
        (m.id, m.updated_at, m.version) for m in Member.select().order_by(Member.id)
    ] == snapshot
    assert AuditEvent.select().count() == audits


def test_profile_changes_and_unassignment_apply(app, synced_org, okta):
    okta.add_users(10)
    sync(app, synced_org)
    okta.users["00u000003"]["profile"]["title"] = "Head of Ops"
    okta.app_users["0oascim"].remove("00u000004")
    run = sync(app, synced_org)
    assert run.counts["updated"] == 1 and run.counts["deactivated"] == 1
    assert Member.get(Member.okta_id == "00u000003").title == "Head of Ops"
    gone = Member.get(Member.okta_id == "00u000004")
    assert not gone.active and gone.session_version == 2


def test_mass_deactivation_is_held_for_approval(app, synced_org, okta):
    okta.add_users(10)
    sync(app, synced_org)
    okta.app_users["0oascim"] = okta.app_users["0oascim"][:5]
    run = sync(app, synced_org)
    assert run.counts["held"] == 5 and len(run.held) == 5
    assert Member.select().where(Member.active & (Member.managed_by == "sync")).count() == 10


def test_dry_run_plans_per_member_and_writes_nothing(app, synced_org, okta):
    okta.add_users(3)
    run = sync(app, synced_org, dry_run=True)
    assert run.status == "succeeded" and run.counts["created"] == 3
    assert [p["action"] for p in run.preview] == ["create"] * 3
    assert Member.select().where(Member.managed_by == "sync").count() == 0


def test_with_scim_live_the_sync_only_reports_drift(app, synced_org, okta, scim):
    scim.create_user("user1@acme.example.com", externalId="00u000001")
    okta.add_users(2)
    run = sync(app, synced_org)
    assert run.counts["created"] == 0 and run.counts["drift"] == 1
    assert (
        run.drift[0]["kind"] == "never_arrived" and run.drift[0]["who"] == "user2@acme.example.com"
    )


def test_refusals_become_failed_migrations_from_sync(app, synced_org, okta, admin):
    admin.keep_local = False  # owners start kept local; this case needs one Okta reaches
    admin.save()
    okta.add_users(1)
    okta.users["00u000001"]["profile"]["email"] = admin.email
    run = sync(app, synced_org)
    assert run.counts["failed"] == 1
    row = FailedMigration.get()
    assert (row.source, row.reason) == ("sync", "duplicate_email")


def test_connection_error_is_one_failed_run(app, synced_org, okta):
    okta.add_users(5)
    okta.token = "expired"
    run = sync(app, synced_org)
    assert run.status == "failed" and "Security > API > Tokens" in run.error
    assert FailedMigration.select().count() == 0


def test_lease_lets_one_run_per_organization(app, synced_org):
    runs.queue(synced_org, "manual")
    runs.queue(synced_org, "manual", dry_run=True)
    now = datetime.utcnow()
    assert runs.claim("a", now) is not None
    assert runs.claim("b", now) is None  # same organization: the lease holds


def test_killed_run_is_marked_failed_and_the_next_finishes(app, synced_org, okta):
    okta.add_users(3)
    runs.queue(synced_org, "manual")
    now = datetime.utcnow()
    stuck = runs.claim("killed-process", now)
    later = now + runs.LEASE + timedelta(seconds=1)
    runs.queue(synced_org, "manual")
    with app.app_context():
        run = runs.claim("survivor", later)
        assert SyncRun.get_by_id(stuck.id).status == "failed"
        assert "stopped without finishing" in SyncRun.get_by_id(stuck.id).error
        assert jobs.execute(run).counts["created"] == 3


def test_schedule_is_daily_at_local_time_and_pause_holds_it(app, synced_org):
    synced_org.timezone = "Europe/Paris"
    synced_org.save()
    before = datetime(2026, 11, 23, 1, 59)  # 02:59 in Paris
    after = datetime(2026, 11, 23, 2, 0)  # 03:00 in Paris
    assert runs.queue_due_runs(before) == []
    assert len(runs.queue_due_runs(after)) == 1
    assert runs.queue_due_runs(after + timedelta(hours=1)) == []  # once a day
    SyncSettings.update(paused_at=after).execute()
    assert runs.queue_due_runs(after + timedelta(days=1)) == []


def test_two_scheduler_processes_run_an_organization_once(app, synced_org, okta, tmp_path):
    okta.add_users(30)
    okta.delay = 0.01
    # Paused: the daily schedule must not add a run whatever the clock says; the queued
    # manual run is the one both processes race for.
    SyncSettings.update(paused_at=datetime.utcnow()).execute()
    runs.queue(synced_org, "manual")
    env = {
        "APP_ENV": "development",
        "SCHEDULER": "off",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "ENCRYPTION_KEYS": ",".join(app.config["ENCRYPTION_KEYS"]),
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    }
    ticks = run_scheduler_ticks(env, tmp_path)
    assert all(code == 0 for code, _, _ in ticks), ticks
    assert sorted(int(ran) for _, ran, _ in ticks) == [0, 1]
    assert SyncRun.select().where(SyncRun.status == "succeeded").count() == 1
    assert Member.select().where(Member.managed_by == "sync").count() == 30


def test_cli_configure_run_pause_resume(runner, app, org, okta, db):
    okta.add_users(2)
    result = runner.invoke(
        args=[
            "sync",
            "configure",
            "--org",
            "acme",
            "--org-url",
            okta.url,
            "--api-token",
            TOKEN,
            "--app-id",
            "0oascim",
        ]
    )
    assert result.exit_code == 0, result.output
    run = runner.invoke(args=["sync", "run", "--org", "acme"])
    line = json.loads(run.output.strip().splitlines()[-1])
    assert line["status"] == "succeeded" and line["created"] == 2 and line["api_calls"] >= 3
    assert "paused" in runner.invoke(args=["sync", "pause", "--org", "acme"]).output
    assert OktaConnection.get().sync_settings.paused_at is not None
    runner.invoke(args=["sync", "resume", "--org", "acme"])
    assert OktaConnection.get().sync_settings.paused_at is None
    refused = runner.invoke(
        args=["sync", "configure", "--org", "acme", "--org-url", okta.url, "--api-token", "wrong"]
    )
    assert refused.exit_code == 1 and "Security > API > Tokens" in refused.output


def test_license_limit_applies_to_the_sync_too(app, synced_org, okta):
    synced_org.seat_limit = 2
    synced_org.save()
    okta.add_users(3)
    run = sync(app, synced_org)
    assert run.counts["created"] == 2 and run.counts["failed"] == 1
    assert FailedMigration.get().reason == "license_limit"


def test_tick_does_housekeeping(app, scim, db):
    """The scheduler tick prunes old SCIM records and retires tokens past their grace."""
    from wizard.models import ScimEvent, ScimToken

    scim.get("/Users")
    request_log.flush(app)
    old = datetime.utcnow() - timedelta(days=31)
    ScimEvent.update(created_at=old).execute()
    ScimToken.update(expires_at=datetime.utcnow() - timedelta(minutes=1)).execute()
    with app.app_context():
        result = jobs.housekeeping(datetime.utcnow())
    assert result == {
        "scim_events_pruned": 1,
        "tokens_revoked": 1,
        "setup_links_removed": 0,
        "license_limit_retries": 0,
        "sessions_removed": 0,
        "sign_in_states_removed": 0,
        "domains_rechecked": 0,
    }
    assert ScimToken.get().revoked_at is not None


def test_embedded_scheduler_starts_once_on_the_first_served_request(
    tmp_path, migrated_sqlite_template
):
    """Development runs the scheduler in the serving process, started by the first request
    (so CLI commands and the reloader's parent never start one), once."""
    import shutil

    from tests.conftest import app_config
    from wizard import create_app

    path = tmp_path / "embedded.db"
    shutil.copy(migrated_sqlite_template, path)
    app = create_app(app_config(tmp_path, f"sqlite:///{path}", SCHEDULER="embedded"))
    state = app.extensions["sync_scheduler"]
    assert state["scheduler"] is None  # creating the app started nothing
    client = app.test_client()
    client.get("/login")
    client.get("/login")
    scheduler = state["scheduler"]
    try:
        assert scheduler.running and [job.id for job in scheduler.get_jobs()] == ["sync-tick"]
    finally:
        scheduler.shutdown(wait=False)


def test_idle_api_token_is_warned_about(app, synced_org, admin, client, auth):
    OktaApiConnection.update(
        last_used_at=datetime.utcnow() - timedelta(days=26),
        checked_at=datetime.utcnow() - timedelta(days=26),
    ).execute()
    auth.login()
    assert "Okta revokes tokens unused for 30 days" in client.get("/integrations/okta/sync").text


def test_without_an_app_the_mapped_groups_decide_who_belongs(app, synced_org, okta, admin):
    """No app picked: the members of the Okta groups used in role mappings are synced."""
    from wizard.domain import mappings
    from wizard.models import Group

    okta.add_users(4, assign=None)
    okta.add_group("00gstaff", "All staff", ["00u000001", "00u000002"])
    assert run_sync_now(app, synced_org).counts["created"] == 0  # nobody assigned to the app
    SyncSettings.update(app_id="").execute()
    group = Group.get(Group.okta_id == "00gstaff")  # read by the first run
    mappings.save_role_mapping(group, "User", {}, actor=admin)
    run = run_sync_now(app, synced_org)
    assert run.counts["created"] == 2
    assert {m.okta_id for m in Member.select().where(Member.managed_by == "sync")} == {
        "00u000001",
        "00u000002",
    }
    assert Group.get_by_id(group.id).memberships.count() == 2


@pytest.mark.parametrize("way", ["prompt", "environment"])
def test_cli_api_token_from_a_hidden_prompt_or_the_environment(runner, app, org, okta, db, way):
    """``sync configure`` without ``--api-token`` takes it from a hidden prompt or from
    ``OKTA_CONNECTOR_API_TOKEN``; it never appears in the output."""
    options = (
        {"input": f"{TOKEN}\n"} if way == "prompt" else {"env": {"OKTA_CONNECTOR_API_TOKEN": TOKEN}}
    )
    result = runner.invoke(
        args=["sync", "configure", "--org", "acme", "--org-url", okta.url], **options
    )
    assert result.exit_code == 0, result.output
    assert "Okta API connected" in result.output and TOKEN not in result.output
    assert ("API token:" in result.output) is (way == "prompt")


def test_cli_run_never_claims_another_organizations_queued_run(
    runner, app, synced_org, okta, other_org
):
    """`sync run --org acme` claimed the oldest queued run of any organization: with
    Globex's run waiting, it took Globex's, said another sync was running, and left that
    run 'running' under a process that was exiting (marked killed two minutes later)."""
    okta.add_users(2)
    with app.app_context():
        api_connection.save_api_settings(ensure_connection(other_org), okta.url, TOKEN)
        waiting = runs.queue(other_org, "schedule")
    result = runner.invoke(args=["sync", "run", "--org", "acme"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["created"] == 2
    assert SyncRun.get_by_id(waiting.id).status == "queued"


def test_a_reused_login_never_hands_an_account_to_another_okta_user(app, synced_org, okta):
    """Attack through Okta's data: Jane (user1@) is renamed jane.doe@ in Okta, and a new
    hire gets the freed login user1@. The sync matched the new hire to Jane's member by
    the old login and overwrote it: the new hire's name, email and Okta id on Jane's
    account (her roles, groups and sign-in link). A member stays with the Okta user it
    came from while that user exists; the new hire gets their own."""
    okta.add_users(1)
    sync(app, synced_org)
    jane = Member.get()
    okta.users["00u000001"]["profile"].update(
        login="jane.doe@acme.example.com", email="jane.doe@acme.example.com"
    )
    okta.add_users(1, start=2)
    okta.users["00u000002"]["profile"].update(
        login="user1@acme.example.com", email="user1@acme.example.com", firstName="New"
    )
    run = sync(app, synced_org)
    assert run.status == "succeeded", run.error
    kept = Member.get_by_id(jane.id)
    assert (kept.okta_id, kept.user_name, kept.given_name) == (
        "00u000001",
        "jane.doe@acme.example.com",
        "First1",
    )
    hire = Member.get(Member.okta_id == "00u000002")
    assert hire.id != jane.id and hire.user_name == "user1@acme.example.com"


def test_an_organization_without_the_feature_never_stops_the_other_syncs(
    app, synced_org, okta, other_org
):
    """Support turns Acme's Enterprise feature off. Its next sync raised the directory's
    refusal nobody caught: the scheduler's tick died there, so Globex's run queued behind
    it did not run, and Acme's stayed 'running' until its lease lapsed ('killed'). Acme's
    run now fails with the reason, and the tick goes on to Globex."""
    okta.add_users(10)
    assert sync(app, synced_org).counts["created"] == 10
    okta.app_users["0oascim"].remove("00u000001")  # one of ten: under the breaker's limit
    synced_org.enterprise_enabled = False
    synced_org.save()
    with app.app_context():
        api_connection.save_api_settings(ensure_connection(other_org), okta.url, TOKEN)
        SyncSettings.update(app_id="0oascim").execute()  # both read one app
        acme_run = runs.queue(synced_org, "manual")
        globex_run = runs.queue(other_org, "manual")
        jobs.tick(owner="test")
    acme_run, globex_run = SyncRun.get_by_id(acme_run.id), SyncRun.get_by_id(globex_run.id)
    assert acme_run.status == "failed" and "Enterprise feature is off" in acme_run.error
    assert globex_run.status == "succeeded", globex_run.error
    assert Member.get(Member.okta_id == "00u000001").active  # nothing applied without it


def test_the_app_s_users_are_read_500_a_page_and_the_users_200(app, synced_org, okta):
    """Okta's largest pages: 200 users, 500 of an app's users (fewer calls against
    Okta's rate limits); every assigned user is still read."""
    okta.add_users(501)
    run = sync(app, synced_org)
    assert run.status == "succeeded", run.error
    assert run.counts["created"] == 501
    app_pages = [p for p in okta.calls if p == "/api/v1/apps/0oascim/users"]
    user_pages = [p for p in okta.calls if p == "/api/v1/users"]
    assert (len(app_pages), len(user_pages)) == (2, 3)
