"""A re-sync reads a group's members only when Okta's ``lastMembershipUpdated`` says they
changed (wizard/sync/group_snapshots.py): what it skips, and every case where it must
read them again (a change, a week gone by, another Okta org, another tenant, a group
that left and came back, a group Okta does not stamp)."""

from datetime import timedelta

from tests.conftest import run_sync_now
from tests.fakes.okta_api import TOKEN
from wizard.domain.connections import ensure_connection
from wizard.models import Group, OktaGroupSnapshot, SyncSettings, utcnow
from wizard.sync import api_connection


def member_reads(okta) -> list[str]:
    """The groups whose members Okta was asked for since the last ``okta.calls.clear()``."""
    return sorted(
        path.split("/")[4]
        for path in okta.calls
        if path.startswith("/api/v1/groups/") and path.endswith("/users")
    )


def members_of(organization, name: str) -> set[str]:
    group = Group.get((Group.organization == organization) & (Group.display_name == name))
    return {m.member.okta_id for m in group.memberships}


def two_groups(okta):
    okta.add_users(6)
    okta.add_group("00g1", "Engineering", ["00u000001", "00u000002"])
    okta.add_group("00g2", "Design", ["00u000003"])


def test_a_rerun_reads_no_group_members_and_changes_nothing(app, synced_org, okta):
    two_groups(okta)
    first = run_sync_now(app, synced_org)
    assert first.status == "succeeded", first.error
    assert member_reads(okta) == ["00g1", "00g2"]
    okta.calls.clear()
    again = run_sync_now(app, synced_org)
    assert again.status == "succeeded", again.error
    assert member_reads(okta) == []
    assert again.api_calls == first.api_calls - 2
    assert again.counts["unchanged"] == 6 and again.counts["memberships_changed"] == 0
    assert members_of(synced_org, "Engineering") == {"00u000001", "00u000002"}


def test_a_group_okta_stamps_anew_is_read_and_its_change_applied(app, synced_org, okta):
    two_groups(okta)
    run_sync_now(app, synced_org)
    okta.group_members["00g1"].remove("00u000002")  # however the list changes, Okta stamps it
    okta.group_members["00g1"].append("00u000004")
    okta.calls.clear()
    run = run_sync_now(app, synced_org)
    assert run.status == "succeeded", run.error
    assert member_reads(okta) == ["00g1"]
    assert members_of(synced_org, "Engineering") == {"00u000001", "00u000004"}
    assert members_of(synced_org, "Design") == {"00u000003"}


def test_who_is_in_scope_is_decided_again_even_for_a_kept_group(app, synced_org, okta):
    """The snapshot is Okta's list unfiltered: a member unassigned from the app leaves the
    group here though the group's members were not read again."""
    two_groups(okta)
    run_sync_now(app, synced_org)
    okta.app_users["0oascim"].remove("00u000002")
    okta.calls.clear()
    run = run_sync_now(app, synced_org)
    assert run.status == "succeeded", run.error
    assert member_reads(okta) == []
    assert members_of(synced_org, "Engineering") == {"00u000001"}


def test_a_week_old_snapshot_is_read_again(app, synced_org, okta):
    two_groups(okta)
    run_sync_now(app, synced_org)
    OktaGroupSnapshot.update(read_at=utcnow() - timedelta(days=7, minutes=1)).where(
        OktaGroupSnapshot.okta_group_id == "00g2"
    ).execute()
    okta.calls.clear()
    run_sync_now(app, synced_org)
    assert member_reads(okta) == ["00g2"]
    okta.calls.clear()
    run_sync_now(app, synced_org)
    assert member_reads(okta) == []  # read again, kept again


def test_snapshots_of_another_okta_org_are_never_used(app, synced_org, okta):
    """The same group ids at another org URL (the connection pointed at another Okta org):
    its stored lists and stamps say nothing about this one."""
    two_groups(okta)
    run_sync_now(app, synced_org)
    OktaGroupSnapshot.update(org_url="https://other.okta.com", member_ids=["00u000006"]).execute()
    okta.calls.clear()
    run = run_sync_now(app, synced_org)
    assert run.status == "succeeded", run.error
    assert member_reads(okta) == ["00g1", "00g2"]
    assert members_of(synced_org, "Engineering") == {"00u000001", "00u000002"}
    assert {s.org_url for s in OktaGroupSnapshot.select()} == {okta.url}


def test_another_tenant_on_the_same_okta_reads_for_itself(app, synced_org, other_org, okta):
    two_groups(okta)
    run_sync_now(app, synced_org)
    kept = sorted((s.okta_group_id, s.read_at) for s in OktaGroupSnapshot.select())
    other_org.seat_limit = None
    other_org.save()
    with app.app_context():
        connection = ensure_connection(other_org)
        api_connection.save_api_settings(connection, okta.url, TOKEN)
        SyncSettings.update(app_id="0oascim").where(SyncSettings.connection == connection).execute()
    okta.calls.clear()
    run = run_sync_now(app, other_org)
    assert run.status == "succeeded", run.error
    assert member_reads(okta) == ["00g1", "00g2"]
    assert members_of(other_org, "Engineering") == {"00u000001", "00u000002"}
    mine = OktaGroupSnapshot.select().where(OktaGroupSnapshot.organization == synced_org.id)
    assert sorted((s.okta_group_id, s.read_at) for s in mine) == kept


def test_a_group_that_left_okta_and_came_back_is_read_again(app, synced_org, okta):
    two_groups(okta)
    run_sync_now(app, synced_org)
    design = okta.groups.pop("00g2")
    run_sync_now(app, synced_org)
    assert [s.okta_group_id for s in OktaGroupSnapshot.select()] == ["00g1"]
    okta.groups["00g2"] = design
    okta.calls.clear()
    run_sync_now(app, synced_org)
    assert member_reads(okta) == ["00g2"]


def test_a_group_without_okta_s_stamp_is_read_every_time(app, synced_org, okta):
    two_groups(okta)
    okta.answers["/api/v1/groups"] = (
        "200 OK",
        [{"id": g["id"], "type": g["type"], "profile": g["profile"]} for g in okta.groups.values()],
    )
    for _ in range(2):
        okta.calls.clear()
        run = run_sync_now(app, synced_org)
        assert run.status == "succeeded", run.error
        assert member_reads(okta) == ["00g1", "00g2"]
    assert OktaGroupSnapshot.select().count() == 0


def test_a_group_listed_twice_is_kept_once(app, synced_org, okta):
    """A listing that repeats a group (a paging bug on Okta's side) is one group: one
    snapshot, one group here, not a failed run on a unique index."""
    two_groups(okta)
    stamped = [okta.stamped(g) for g in okta.groups.values()]
    okta.answers["/api/v1/groups"] = ("200 OK", [*stamped, stamped[0]])
    run = run_sync_now(app, synced_org)
    assert run.status == "succeeded", run.error
    assert sorted(s.okta_group_id for s in OktaGroupSnapshot.select()) == ["00g1", "00g2"]
    assert members_of(synced_org, "Engineering") == {"00u000001", "00u000002"}
