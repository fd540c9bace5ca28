"""How many members an organization has, read from ``member_tally`` (migration 026):
one row per (organization, managed by, active, hidden from SCIM, kept local), kept by
triggers (wizard/db_triggers.py) in the same transaction as every change to a member.
Team > Users and SCIM's ``totalResults`` read their totals here instead of counting
100,000 rows per page.

Where the triggers are missing (a database not upgraded yet) the answer is None and the
caller counts as before.
"""

import weakref

import peewee as pw

from .. import db_triggers
from ..db import database

TRIGGERS = db_triggers.TALLY_TRIGGERS
_IN_PLACE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # database -> bool


class MemberTally(pw.Model):
    """Read only: the triggers write it."""

    organization_id = pw.IntegerField()
    managed_by = pw.CharField(max_length=10)
    active = pw.BooleanField()
    scim_hidden = pw.BooleanField()
    keep_local = pw.BooleanField()
    members = pw.BigIntegerField()

    class Meta:
        database = database
        table_name = "member_tally"
        primary_key = pw.CompositeKey(
            "organization_id", "managed_by", "active", "scim_hidden", "keep_local"
        )


def members(
    organization_id: int,
    *,
    managed_by: str | None = None,
    active: bool | None = None,
    scim_visible: bool = False,
) -> int | None:
    """The count of the organization's members matching what is given (``scim_visible``:
    neither hidden from SCIM nor kept local); None without the tally."""
    if not tally_in_place():
        return None
    where = MemberTally.organization_id == organization_id
    if managed_by is not None:
        where &= MemberTally.managed_by == managed_by
    if active is not None:
        where &= MemberTally.active == active
    if scim_visible:
        where &= ~MemberTally.scim_hidden & ~MemberTally.keep_local
    total = MemberTally.select(pw.fn.COALESCE(pw.fn.SUM(MemberTally.members), 0)).where(where)
    return int(total.scalar())


def tally_in_place() -> bool:
    known = _IN_PLACE.get(database.obj)
    if known is None:
        known = _IN_PLACE[database.obj] = _count_triggers() == len(TRIGGERS)
    return known


def _count_triggers() -> int:
    return len(db_triggers.existing(database.obj) & set(TRIGGERS))
