"""Failed migrations: changes from Okta we could not apply, kept so nothing is dropped.

One row per (organization, userName, operation, reason): a repeat bumps ``attempts`` and
``last_seen`` (and reopens a resolved row); a later success for the same user resolves
every open row for that user.
"""

from ..db import LOOKUP_CHUNK, chunks, database, one_of, write_transaction
from ..models import FailedMigration, Member, Organization, fold, utcnow
from ..prepared import Prepared
from .failure_reasons import FailureReason
from .redaction import redact
from .sources import Source


def record(
    organization: Organization,
    *,
    source: Source,
    reason: FailureReason,
    operation: str,
    message: str,
    user_name: str = "",
    email: str = "",
    display_name: str = "",
    request: dict | None = None,
    member: Member | None = None,
    related: FailedMigration | None = None,
) -> FailedMigration:
    """Store or bump the failure row for this key; safe to call after a rollback."""
    now = utcnow()
    key = {
        "organization": organization,
        "user_name_key": _user_name_key(user_name),
        "operation": operation,
        "reason": reason,
    }
    values = {
        "source": source,
        "user_name": _clipped("user_name", user_name),
        "email": _clipped("email", email),
        "display_name": _clipped("display_name", display_name),
        "message": message,
        "request": redact(request) if request else None,
        "member": member,
        "related": related,
    }
    # Read-then-write under the write lock: a deferred transaction whose read lock is
    # overtaken by another writer (the request log's background writer) fails at once on
    # SQLite with "database is locked" instead of waiting.
    with write_transaction(organization):
        row = FailedMigration.get_or_none(
            *[getattr(FailedMigration, k) == v for k, v in key.items()]
        )
        if row is None:
            return FailedMigration.create(**key, **values, first_seen=now, last_seen=now)
        for field, value in values.items():
            if value or field in ("message",):
                setattr(row, field, value)
        row.attempts += 1
        row.last_seen = now
        if row.status != "open":
            row.status, row.resolved_at = "open", None
        row.save()
        return row


def _clipped(name: str, value: str) -> str:
    """What a column holds of a refused value: the write was refused, perhaps for its
    size, and its row must still be stored (PostgreSQL enforces the column's length;
    the whole request is kept for the replay)."""
    return value[: FailedMigration._meta.fields[name].max_length]


def _user_name_key(user_name: str) -> str:
    return _clipped("user_name_key", fold(user_name))


_RESOLVE_FOR_USER = Prepared(
    lambda org, key, now, note: FailedMigration.update(
        status="resolved", resolved_at=now, note=note
    ).where(
        (FailedMigration.organization == org)
        & (FailedMigration.user_name_key == key)
        & (FailedMigration.status == "open")
        & (FailedMigration.reason != FailureReason.UNKNOWN_MEMBER)
    ),
    int,
    str,
    str,
    str,
)


def resolve_for_user(organization: Organization, user_name: str, note: str = "") -> int:
    """Mark the user's open failures resolved (a later change for them went through).
    Runs after every SCIM and sync write, hence compiled once."""
    return _RESOLVE_FOR_USER.run(organization.id, _user_name_key(user_name), utcnow(), note)


def open_user_keys(organization: Organization) -> set[str]:
    """The userNames (folded) with an open failure, other than unknown members."""
    query = FailedMigration.select(FailedMigration.user_name_key).where(
        (FailedMigration.organization == organization)
        & (FailedMigration.status == "open")
        & (FailedMigration.reason != FailureReason.UNKNOWN_MEMBER)
    )
    return {key for (key,) in query.tuples()}


def resolve_for_users(organization: Organization, user_names: list[str], note: str = "") -> int:
    """``resolve_for_user`` for many users, a few statements whatever the count."""
    resolved = 0
    for chunk in chunks(sorted({_user_name_key(name) for name in user_names}), LOOKUP_CHUNK):
        resolved += (
            FailedMigration.update(status="resolved", resolved_at=utcnow(), note=note)
            .where(
                (FailedMigration.organization == organization)
                & one_of(FailedMigration.user_name_key, chunk)
                & (FailedMigration.status == "open")
                & (FailedMigration.reason != FailureReason.UNKNOWN_MEMBER)
            )
            .execute()
        )
    return resolved


def open_failure_for(organization: Organization, user_name: str) -> FailedMigration | None:
    """The user's own most recent open failure (to link an ``unknown_member`` row to)."""
    return (
        FailedMigration.select()
        .where(
            (FailedMigration.organization == organization)
            & (FailedMigration.user_name_key == _user_name_key(user_name))
            & (FailedMigration.status == "open")
            & (FailedMigration.reason != FailureReason.UNKNOWN_MEMBER)
        )
        .order_by(FailedMigration.last_seen.desc())
        .first()
    )


def record_unknown_members(
    organization: Organization, refs: list[tuple[str, str]], *, group_path: str
) -> None:
    """One ``unknown_member`` row per (ref, display) a group push named, in a few queries
    whatever the count (Okta pushes groups of thousands). Each row keeps only its own
    member's PATCH, never the whole push, and links the user's own open failure."""
    now = utcnow()
    displays = dict(refs)
    keys = {_user_name_key(display or ref): ref for ref, display in refs}
    existing, related = {}, {}
    for chunk in chunks(list(keys), 500):
        for row in FailedMigration.select().where(
            (FailedMigration.organization == organization)
            & one_of(FailedMigration.user_name_key, chunk)
        ):
            key = row.user_name_key
            if row.reason == FailureReason.UNKNOWN_MEMBER and row.operation == "group_push":
                existing[key] = row.id
            elif row.status == "open" and (
                key not in related or row.last_seen > related[key].last_seen
            ):
                related[key] = row
    fresh = []
    for key, ref in keys.items():
        if key in existing:
            continue
        display = displays[ref]
        fresh.append(
            {
                "organization": organization.id,
                "source": Source.SCIM,
                "reason": FailureReason.UNKNOWN_MEMBER,
                "operation": "group_push",
                "user_name": _clipped("user_name", display or ref),
                "user_name_key": key,
                "display_name": _clipped("display_name", display),
                "message": f"Group push named member {ref!r} ({display or 'no name given'}), "
                "whom we never received. Check that this user is assigned to the app and "
                "provisioned.",
                "request": {"method": "PATCH", "path": group_path, "body": _add_member(ref)},
                "related": related[key].id if key in related and display else None,
                "first_seen": now,
                "last_seen": now,
            }
        )
    with database.atomic():
        for chunk in chunks(fresh, 100):
            FailedMigration.insert_many(chunk).execute()
        for chunk in chunks(list(existing.values()), 500):
            FailedMigration.update(
                attempts=FailedMigration.attempts + 1,
                last_seen=now,
                status="open",
                resolved_at=None,
            ).where(FailedMigration.id.in_(chunk)).execute()


def _add_member(ref: str) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": ref}]}],
    }
