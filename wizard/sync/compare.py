"""How each Okta user of a batch compares with its member: new, another source's,
unchanged or changed. Read only: the engine applies the decisions (wizard/sync/engine.py)."""

from dataclasses import dataclass

import peewee as pw

from .. import directory
from ..db import database, one_of
from ..domain.sources import SYNC_WRITES_OVER
from ..models import JSONField, Member, fold
from .okta_state import INACTIVE


@dataclass
class Decision:
    """What one Okta user means for its member; ``kind`` is new, absent (inactive and
    never here), foreign (another source's member), unchanged or update."""

    kind: str
    okta_id: str
    status: str | None
    profile: dict
    row: dict | None = None
    active: bool = True
    ends_access: bool = False
    resolve: bool = False  # unchanged, with an open failure to resolve
    relink: bool = False  # unchanged, but found by login under another Okta id


def writes(decided: list[Decision]) -> bool:
    """Whether applying the batch writes anything (else it needs no lock)."""
    return any(d.kind in ("new", "update") or d.resolve or d.relink for d in decided)


def decide(organization, wanted, open_failures, listed) -> list[Decision]:
    """Each ``(okta id, Okta user, profile)`` of a batch against its member, read in two
    queries; writes nothing."""
    by_okta_id = _members_where(organization, Member.okta_id, [okta_id for okta_id, *_ in wanted])
    by_login = _members_where(
        organization,
        Member.user_name_key,
        [fold(p["user_name"]) for okta_id, _, p in wanted if okta_id not in by_okta_id],
    )
    decided = []
    for okta_id, user, profile in wanted:
        active = user.get("status") not in INACTIVE
        row = by_okta_id.get(okta_id) or _by_login(by_login, profile, okta_id, listed)
        if row is None:
            kind = "new" if active else "absent"
            decided.append(Decision(kind, okta_id, user.get("status"), profile))
            continue
        if row["managed_by"] not in SYNC_WRITES_OVER:
            decided.append(Decision("foreign", okta_id, user.get("status"), profile, row))
            continue  # SCIM's (or another source's) member: drift, never overwritten
        # The breaker decides, with the unassignments; a kept-local member is not Okta's
        # to deactivate (the update below is refused and recorded instead).
        ends_access = row["active"] and not active and not row["keep_local"]
        active = True if ends_access else active
        if directory.differs(row, profile, active=active):
            decided.append(
                Decision("update", okta_id, user.get("status"), profile, row, active, ends_access)
            )
            continue
        resolve = row["user_name_key"] in open_failures
        relink = row["okta_id"] != okta_id
        decided.append(
            Decision(
                "unchanged", okta_id, user.get("status"), profile, row, active, ends_access,
                resolve, relink,
            )
        )  # fmt: skip
    return decided


def _by_login(by_login: dict, profile: dict, okta_id: str, listed: frozenset) -> dict | None:
    """The member with this login, unless it came from another Okta user who still exists:
    Okta frees a login when a user is renamed and may give it to someone else, who must
    not inherit that member (roles, groups, sign-in). A member whose Okta user is gone
    (deleted, then created again) is matched, as is one no Okta user ever had."""
    row = by_login.get(fold(profile["user_name"]))
    if row is not None and row["okta_id"] not in (None, okta_id) and row["okta_id"] in listed:
        return None
    return row


# What the comparison with Okta reads of each member: rows, not models (a re-sync reads
# every member; building 100,000 models was a third of its time). The rows are read
# from the cursor as they are and only the booleans and JSON converted: Peewee's dict
# rows called every column's converter and were half of the comparison's time.


COMPARED = (
    Member.id,
    Member.okta_id,
    Member.managed_by,
    Member.active,
    Member.keep_local,
    Member.user_name_key,
    Member.email_key,
    *(getattr(Member, name) for name in directory.PROFILE_FIELDS),
)
_NAMES = tuple(field.name for field in COMPARED)
_BOOLEANS = tuple(
    (field.name, field.python_value) for field in COMPARED if isinstance(field, pw.BooleanField)
)
_JSON = tuple(
    (field.name, field.python_value) for field in COMPARED if isinstance(field, JSONField)
)


def _members_where(organization, column, keys: list[str]) -> dict:
    keys = [key for key in keys if key]
    if not keys:
        return {}
    query = Member.select(*COMPARED).where(
        (Member.organization == organization) & one_of(column, keys)
    )
    found = {}
    # Each JSON text decoded once per batch: nearly every member stores the same few
    # (``[]`` for no phone numbers). The rows are only compared, never changed, so
    # members may share the decoded value.
    decoded: dict[str, object] = {}
    for values in database.execute(query).fetchall():
        row = dict(zip(_NAMES, values, strict=True))
        for name, convert in _BOOLEANS:
            row[name] = convert(row[name])
        for name, convert in _JSON:
            text = row[name]
            if text not in decoded:
                decoded[text] = convert(text)
            row[name] = decoded[text]
        found[row[column.name]] = row
    return found
