"""The deactivation circuit breaker: one limit (the connection's ``deactivation_limit``,
20 % by default) for every deactivation a sync would make, whatever its cause: a user
unassigned from the app, or a user whose Okta status is SUSPENDED, DEPROVISIONED or
DELETED (or who was deleted outright). Above the limit the whole set is held for an
admin; the sync page approves or discards it, both causes alike."""

import pytest

from tests.conftest import csrf_token, run_sync_now
from wizard.models import Member, SyncRun


def ten_synced(app, synced_org, okta) -> list[str]:
    okta.add_users(10)
    first = run_sync_now(app, synced_org)
    assert first.counts["created"] == 10, first.error
    return list(okta.users)


def active_synced() -> set[str]:
    query = Member.select(Member.okta_id).where(Member.active & (Member.managed_by == "sync"))
    return {okta_id for (okta_id,) in query.tuples()}


def unassign(okta, user_id):
    okta.app_users["0oascim"].remove(user_id)


@pytest.mark.parametrize("status", ["SUSPENDED", "DEPROVISIONED", "DELETED"])
def test_every_user_suspended_at_once_is_held(app, synced_org, okta, status):
    """Today's attack: 10 of 10 marked SUSPENDED were all deactivated despite 20 %."""
    ids = ten_synced(app, synced_org, okta)
    for user_id in ids:
        okta.set_status(user_id, status)
    run = run_sync_now(app, synced_org)
    assert run.counts["held"] == 10 and run.counts["deactivated"] == 0
    synced = Member.select(Member.id).where(Member.managed_by == "sync")
    assert {item["member"] for item in run.held} == {m.id for m in synced}
    assert len(active_synced()) == 10


def test_users_deleted_in_okta_count_too(app, synced_org, okta):
    """Deleted outright, a user leaves every Okta listing: counted as unassigned."""
    ids = ten_synced(app, synced_org, okta)
    for user_id in ids[:3]:
        okta.delete_user(user_id)
    run = run_sync_now(app, synced_org)
    assert run.counts["held"] == 3 and len(active_synced()) == 10


SUSPEND, DEPROVISION, UNASSIGN = "SUSPENDED", "DEPROVISIONED", "unassign"


@pytest.mark.parametrize(
    ("changes", "deactivated", "held"),
    [
        ([SUSPEND, DEPROVISION], 2, 0),  # status only, at the limit (2 of 10)
        ([SUSPEND, DEPROVISION, SUSPEND], 0, 3),  # status only, above it
        ([UNASSIGN, UNASSIGN], 2, 0),  # unassignment only, at the limit
        ([UNASSIGN, UNASSIGN, UNASSIGN], 0, 3),  # unassignment only, above it
        ([SUSPEND, UNASSIGN], 2, 0),  # a mix at the limit
        ([SUSPEND, DEPROVISION, UNASSIGN], 0, 3),  # a mix: each cause alone is below
    ],
    ids=["status-at", "status-above", "unassign-at", "unassign-above", "mix-at", "mix-above"],
)
def test_every_cause_counts_against_one_limit(app, synced_org, okta, changes, deactivated, held):
    ids = ten_synced(app, synced_org, okta)
    for user_id, change in zip(ids, changes, strict=False):
        if change == UNASSIGN:
            unassign(okta, user_id)
        else:
            okta.set_status(user_id, change)
    run = run_sync_now(app, synced_org)
    assert (run.counts["deactivated"], run.counts["held"]) == (deactivated, held)
    assert active_synced() == set(ids[deactivated:])
    expected = sorted("unassigned" if c == UNASSIGN else c for c in changes) if held else []
    assert sorted(item["cause"] for item in run.held) == expected


def test_a_member_leaving_through_status_still_gets_profile_changes(app, synced_org, okta):
    ids = ten_synced(app, synced_org, okta)
    okta.set_status(ids[0], "DEPROVISIONED")
    okta.users[ids[0]]["profile"]["title"] = "Leaver"
    run = run_sync_now(app, synced_org)
    assert run.counts["deactivated"] == 1
    leaver = Member.get(Member.okta_id == ids[0])
    assert not leaver.active and leaver.title == "Leaver"


def test_a_dry_run_plans_the_hold_and_changes_nothing(app, synced_org, okta):
    ids = ten_synced(app, synced_org, okta)
    for user_id in ids[:5]:
        okta.set_status(user_id, "SUSPENDED")
    run = run_sync_now(app, synced_org, dry_run=True)
    assert run.counts["held"] == 5 and len(active_synced()) == 10


@pytest.mark.parametrize(("decision", "left"), [("approve", 6), ("discard", 10)])
def test_approving_or_discarding_covers_both_causes(
    app, synced_org, okta, client, auth, admin, decision, left
):
    ids = ten_synced(app, synced_org, okta)
    okta.set_status(ids[0], "SUSPENDED")
    okta.set_status(ids[1], "DELETED")
    okta.delete_user(ids[2])
    unassign(okta, ids[3])
    run = run_sync_now(app, synced_org)
    auth.login()
    page = client.get("/integrations/okta/sync").text
    for n, why in ((1, "suspended"), (2, "deleted"), (3, "no longer assigned"), (4, "no longer")):
        assert f"<li>user{n}@acme.example.com: {why}" in page, why
    client.post(
        f"/integrations/okta/sync/runs/{run.id}/held/{decision}",
        data={"csrf_token": csrf_token(page)},
    )
    assert len(active_synced()) == left
    assert SyncRun.get_by_id(run.id).held == []


# --- attacks on the hold: a stale or planned set applied later -----------------------------


def approve(client, run_id) -> int:
    page = client.get("/integrations/okta/sync").text
    response = client.post(
        f"/integrations/okta/sync/runs/{run_id}/held/approve",
        data={"csrf_token": csrf_token(page)},
    )
    return response.status_code


def test_an_old_hold_cannot_be_approved_once_a_newer_run_replanned(
    app, synced_org, okta, client, auth, admin
):
    """Attack: Okta suspends half the users by mistake (held), the Okta admin undoes it
    and the next run finds nothing to deactivate; later someone approves the old hold and
    deactivates five people Okta says are active. Only the latest run's hold counts."""
    ids = ten_synced(app, synced_org, okta)
    for user_id in ids[:5]:
        okta.set_status(user_id, "SUSPENDED")
    stale = run_sync_now(app, synced_org)
    assert stale.counts["held"] == 5
    for user_id in ids[:5]:
        okta.set_status(user_id, "ACTIVE")
    assert run_sync_now(app, synced_org).counts["held"] == 0
    auth.login()
    assert "Deactivations waiting for approval" not in client.get("/integrations/okta/sync").text
    assert approve(client, stale.id) == 409
    assert len(active_synced()) == 10


def test_a_dry_runs_hold_is_a_plan_and_cannot_be_approved(
    app, synced_org, okta, client, auth, admin
):
    """A dry run changes nothing: its hold says what a real run would hold, and approving
    it is refused (a real run plans again and holds the set for approval)."""
    ids = ten_synced(app, synced_org, okta)
    for user_id in ids[:5]:
        okta.set_status(user_id, "SUSPENDED")
    planned = run_sync_now(app, synced_org, dry_run=True)
    assert planned.counts["held"] == 5
    auth.login()
    assert "Deactivate them" not in client.get("/integrations/okta/sync").text
    assert approve(client, planned.id) == 409
    assert len(active_synced()) == 10


def test_approving_never_touches_a_member_kept_local_since(
    app, synced_org, okta, client, auth, admin
):
    """Between the hold and the approval an EnterpriseAdmin converted one held member to
    local management and kept them local: the approval deactivates the others and leaves
    that one alone (it answered with a 500 and applied nothing)."""
    ids = ten_synced(app, synced_org, okta)
    for user_id in ids[:5]:
        okta.set_status(user_id, "SUSPENDED")
    run = run_sync_now(app, synced_org)
    kept = Member.get(Member.okta_id == ids[0])
    Member.update(managed_by="local", keep_local=True).where(Member.id == kept.id).execute()
    auth.login()
    assert approve(client, run.id) == 302
    assert Member.get_by_id(kept.id).active
    assert len(active_synced()) == 5  # the four others went; the kept one is local now


def test_an_owners_okta_twin_suspended_never_stops_the_sync(app, synced_org, okta, admin):
    """An Okta user with the kept-local owner's login is suspended: the sync planned the
    owner's deactivation, and applying it raised (the owner is kept local), so the whole
    run crashed, every day. The owner is left alone; the run finishes."""
    ids = ten_synced(app, synced_org, okta)
    okta.add_users(1, start=11)
    okta.users["00u000011"]["profile"].update(login=admin.email, email=admin.email)
    okta.set_status("00u000011", "SUSPENDED")
    run = run_sync_now(app, synced_org)
    assert run.status == "succeeded", run.error
    assert Member.get_by_id(admin.id).active and len(active_synced()) == len(ids)
    assert run.counts["failed"] == 1  # recorded: local_member_protected, as for any change


def test_approving_without_the_enterprise_feature_is_refused_not_a_500(
    app, synced_org, okta, client, auth, admin
):
    ids = ten_synced(app, synced_org, okta)
    for user_id in ids[:5]:
        okta.set_status(user_id, "SUSPENDED")
    run = run_sync_now(app, synced_org)
    auth.login()
    page = client.get("/integrations/okta/sync").text
    synced_org.enterprise_enabled = False
    synced_org.save()
    response = client.post(
        f"/integrations/okta/sync/runs/{run.id}/held/approve", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 403 and len(active_synced()) == 10
