"""The deactivation circuit breaker: one limit for every deactivation a sync would make.

A mistake in Okta (a group unassigned from the app, a bulk suspension, a wrong import)
must not lock an organization out in one run. Whatever the cause (unassigned from the
app, or an Okta status that ends access), the run first collects every deactivation it
would make; above the connection's ``deactivation_limit`` percent of the synced members
it applies none of them and holds the whole set for an admin (sync page: approve or
discard).
"""

from dataclasses import dataclass
from enum import StrEnum

from .. import directory
from ..db import write_transaction
from ..models import Member
from ..sources import Source

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
    return {member_id for (member_id,) in query.tuples()}


def over_limit(connection, planned: list[Deactivation], synced: set[int]) -> bool:
    base = synced | {item.member_id for item in planned}
    return len(planned) > connection.deactivation_limit / 100 * max(len(base), 1)


def apply_or_hold(connection, planned: list[Deactivation], synced: set[int], outcome) -> None:
    """Deactivate every planned member, or none and hold them all when over the limit."""
    if not planned:
        return
    ids = [item.member_id for item in planned]
    members = {m.id: m for m in Member.select().where(Member.id.in_(ids))}
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
