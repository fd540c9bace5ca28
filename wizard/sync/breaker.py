"""The deactivation circuit breaker: one limit for every deactivation a sync would make.

A mistake in Okta (a group unassigned from the app, a bulk suspension, a wrong import)
must not lock an organization out in one run. Whatever the cause (unassigned from the
app, or an Okta status that ends access), the run first collects every deactivation it
would make; above the connection's ``deactivation_limit`` percent of the synced members
it applies none of them and holds the whole set for an admin (sync page: approve or
discard). Only the latest real run's hold awaits that decision: a dry run only plans,
and a later run plans again from what Okta says then, so an older hold is stale.
"""

from dataclasses import dataclass
from enum import StrEnum

from .. import directory
from ..db import database, write_transaction
from ..domain.sources import Source
from ..models import Member, SyncRun

ACTOR = "okta-sync"


class Cause(StrEnum):
    """Why the sync would deactivate a member; the Okta statuses are Okta's own names."""

    UNASSIGNED = "unassigned"
    SUSPENDED = "SUSPENDED"
    DEPROVISIONED = "DEPROVISIONED"
    DELETED = "DELETED"

    @property
    def explanation(self) -> str:
        return {
            Cause.UNASSIGNED: "no longer assigned in Okta (unassigned or deleted)",
            Cause.SUSPENDED: "suspended in Okta",
            Cause.DEPROVISIONED: "deactivated in Okta",
            Cause.DELETED: "deleted in Okta",
        }[self]


# Okta statuses that end a member's access here.
ENDS_ACCESS = frozenset({Cause.SUSPENDED, Cause.DEPROVISIONED, Cause.DELETED})


@dataclass(frozen=True)
class Deactivation:
    member_id: int
    cause: Cause


def synced_active_ids(organization) -> set[int]:
    """The members the limit is a share of: active and managed by the sync."""
    query = Member.select(Member.id).where(
        (Member.organization == organization) & (Member.managed_by == Source.SYNC) & Member.active
    )
    return {member_id for (member_id,) in database.execute(query).fetchall()}  # ints as they are


def over_limit(connection, planned: list[Deactivation], synced: set[int]) -> bool:
    base = synced | {item.member_id for item in planned}
    return len(planned) > connection.sync_settings.deactivation_limit / 100 * max(len(base), 1)


def apply_or_hold(connection, planned: list[Deactivation], synced: set[int], outcome) -> None:
    """Deactivate every planned member, or none and hold them all when over the limit."""
    if not planned:
        return
    ids = [item.member_id for item in planned]
    # As they are now: one kept local meanwhile is not Okta's to deactivate.
    members = {m.id: m for m in Member.select().where(Member.id.in_(ids) & ~Member.keep_local)}
    planned = [item for item in planned if item.member_id in members]
    if over_limit(connection, planned, synced):
        outcome.held = [_held(members[item.member_id], item.cause) for item in planned]
        outcome.counts["held"] = len(planned)
        return
    for item in planned:
        member = members[item.member_id]
        with write_transaction(connection.organization_id):
            directory.set_active(member, False, actor_label=ACTOR)
        outcome.counts["deactivated"] += 1
        outcome.note("deactivate", member.email, item.cause.explanation)


def _held(member: Member, cause: Cause) -> dict:
    return {"member": member.id, "email": member.email, "cause": cause, "why": cause.explanation}


def awaits_decision(run: SyncRun) -> bool:
    """Whether ``run``'s hold may still be approved: a real run's (a dry run's hold is a
    plan), and no later real run has planned since (Okta may have undone the mistake, and
    that run held whatever still applies)."""
    if run.dry_run or not run.held:
        return False
    replanned = SyncRun.select().where(
        (SyncRun.organization == run.organization_id)
        & (SyncRun.id > run.id)
        & (SyncRun.status == "succeeded")
        & ~SyncRun.dry_run
    )
    return not replanned.exists()


def approve(run: SyncRun, *, actor_label: str) -> int:
    """Apply a hold an admin approved: the held members still active, and never one kept
    local since (Okta may not change those). Returns how many were deactivated."""
    ids = [item["member"] for item in run.held]
    held = Member.select().where(
        Member.id.in_(ids)
        & Member.active
        & ~Member.keep_local
        & (Member.organization == run.organization)
    )
    members = list(held)  # read first: no write while a SELECT is open (SQLite)
    for member in members:
        with write_transaction(run.organization_id):
            directory.set_active(member, False, actor_label=actor_label)
    return len(members)
