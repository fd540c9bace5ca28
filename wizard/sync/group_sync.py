"""The sync's groups: each Okta group in the directory, with the members Okta lists."""

from .. import directory
from ..db import chunks, database, write_transaction
from ..domain.sources import Source
from ..models import Group, Member, Membership
from .okta_state import OktaState
from .outcome import Outcome

# Okta groups per transaction. One commit (a WAL flush on PostgreSQL) and one lock of
# the organization per group was a third of a first sync's group time. With new groups
# created in bulk, 25 groups hold the lock for about 45 ms on PostgreSQL (p50, max 60;
# SQLite 21 / 40 ms; 20k users, 400 groups, a loaded machine), under a user batch's
# ~100 ms, so SCIM writes of the same organization are not starved.
GROUPS_PER_TRANSACTION = 25


def sync_groups(connection, state: OktaState, outcome: Outcome, *, actor_label: str) -> None:
    """Okta's groups as sync-managed groups with Okta's members; a group Okta pushes by
    SCIM keeps the membership the push gives it."""
    organization = connection.organization
    # Rows straight from the cursor (ids and Okta ids need no conversion): Peewee's
    # tuples convert every column of 100,000 rows.
    member_ids = dict(
        database.execute(
            Member.select(Member.okta_id, Member.id).where(
                (Member.organization == organization) & Member.okta_id.is_null(False)
            )
        ).fetchall()
    )
    by_okta_id = {
        group.okta_id: group
        for group in Group.select().where(
            (Group.organization == organization) & Group.okta_id.is_null(False)
        )
    }

    def wanted(okta_group: dict) -> set[int]:
        return {member_ids[u] for u in state.members_of[okta_group["id"]] if u in member_ids}

    settled = _settled(organization, state, by_okta_id, wanted)
    to_write = [g for g in state.groups if g["id"] not in settled]
    for part in chunks(to_write, GROUPS_PER_TRANSACTION):
        with write_transaction(organization):
            bulk = _create_clean(organization, part, by_okta_id, wanted, outcome, actor_label)
            for okta_group in part:
                if okta_group["id"] not in bulk:
                    _sync_group(organization, okta_group, by_okta_id, wanted, outcome, actor_label)


def _name(okta_group: dict) -> str:
    return (okta_group.get("profile") or {}).get("name") or okta_group["id"]


def _create_clean(organization, part, by_okta_id, wanted, outcome, actor_label) -> set[str]:
    """The new Okta groups the directory's bulk create can take, created with their
    members (wizard/directory/bulk_groups.py); returns their Okta ids."""
    new = [g for g in part if g["id"] not in by_okta_id]
    clean = directory.clean_new_groups(organization, [(_name(g), g["id"]) for g in new])
    added = directory.create_groups_with_members(
        organization,
        [(_name(g), g["id"], wanted(g)) for g in new if g["id"] in clean],
        managed_by=Source.SYNC,
        actor_label=actor_label,
    )
    outcome.counts["groups_created"] += len(added)
    outcome.counts["memberships_changed"] += sum(1 for n in added.values() if n)
    return set(added)


def _sync_group(organization, okta_group, by_okta_id, wanted, outcome, actor_label) -> None:
    group = by_okta_id.get(okta_group["id"])
    if group is None:
        group, linked = directory.create_or_link_group(
            organization,
            _name(okta_group),
            external_id=None,
            managed_by=Source.SYNC,
            actor_label=actor_label,
            okta_id=okta_group["id"],
        )
        outcome.counts["groups_created"] += 0 if linked else 1
    if group.managed_by != Source.SYNC:
        return  # a pushed (SCIM) group: membership is Okta's push to make
    if directory.replace_members(
        group, wanted(okta_group), managed_by=Source.SYNC, actor_label=actor_label
    ):
        outcome.counts["memberships_changed"] += 1


def _settled(organization, state: OktaState, by_okta_id: dict, wanted) -> set[str]:
    """The Okta groups this run has nothing to write for, read in two queries outside the
    lock: the group exists and is pushed by SCIM, or its members are already Okta's
    (``replace_members``' own comparison, kept-local members staying as they are). Every
    other group is decided again under the lock. Skipping on this read is what a run
    that took the lock just before a concurrent write would have done."""
    current: dict[int, set[int]] = {
        g.id: set() for g in by_okta_id.values() if g.managed_by == Source.SYNC
    }
    query = (
        Membership.select(Membership.group, Membership.member)
        .join(Group)
        .where((Group.organization == organization) & Group.okta_id.is_null(False))
    )
    for group_id, member_id in database.execute(query).fetchall():
        if group_id in current:
            current[group_id].add(member_id)
    kept = directory.kept_local_members(organization)
    settled = set()
    for okta_group in state.groups:
        group = by_okta_id.get(okta_group["id"])
        if group is None:
            continue
        if group.managed_by != Source.SYNC:
            settled.add(okta_group["id"])
            continue
        have = current[group.id]
        if (wanted(okta_group) - kept) | (have & kept) == have:
            settled.add(okta_group["id"])
    return settled
