"""Many members at once, under the same rules as ``create_member``: the pull sync's first
run creates tens of thousands, and one INSERT per member is most of its time.

Entries that pass every rule for certain (valid, userName and email unused in the
organization and in the batch, a seat free) are inserted together; every other entry
goes through ``create_member`` one by one, inside its own savepoint, so a revival, a
duplicate or a full license is decided and worded exactly as for a single create.
"""

import uuid
from dataclasses import dataclass, field

from ..bulk_insert import insert_rows
from ..db import LOOKUP_CHUNK, chunks, database, one_of
from ..domain import audit, failures
from ..models import Member, Organization, fold, utcnow
from .members import create_member
from .profiles import stored_profile, validate_profile
from .rules import DirectoryError, require_enterprise, seats_used


@dataclass
class BulkResult:
    created: list[tuple[int, int]] = field(default_factory=list)  # (entry index, member id)
    refused: list[tuple[int, DirectoryError]] = field(default_factory=list)


def _taken(organization: Organization, column, keys: list[str]) -> set[str]:
    taken = set()
    for chunk in chunks(keys, LOOKUP_CHUNK):
        query = Member.select(column).where(
            (Member.organization == organization) & one_of(column, chunk)
        )
        taken |= {key for (key,) in query.tuples()}
    return taken


def create_members(
    organization: Organization,
    entries: list[tuple[dict, dict]],
    *,
    managed_by: str,
    actor_label: str,
) -> BulkResult:
    """Create a member for each ``(profile, extra columns)`` entry, all active. Call it
    inside a transaction; a refused entry is in ``refused`` and changes nothing."""
    require_enterprise(organization)
    result = BulkResult()
    checked = []
    for index, (profile, extra) in enumerate(entries):
        try:
            checked.append((index, validate_profile(profile, creating=True), extra))
        except DirectoryError as error:
            result.refused.append((index, error))
    names = _taken(
        organization, Member.user_name_key, [fold(p["user_name"]) for _, p, _ in checked]
    )
    emails = _taken(organization, Member.email_key, [fold(p["email"]) for _, p, _ in checked])
    free = None
    if organization.seat_limit is not None:
        free = max(organization.seat_limit - seats_used(organization), 0)
    clean, one_by_one = [], []
    for index, profile, extra in checked:
        name, email = fold(profile["user_name"]), fold(profile["email"])
        if name in names or email in emails or (free is not None and len(clean) >= free):
            one_by_one.append((index, profile, extra))
        else:
            clean.append((index, profile, extra))
        names.add(name)
        emails.add(email)

    created = _insert(organization, clean, managed_by, actor_label)
    result.created += created
    for index, profile, extra in one_by_one:
        try:
            with database.atomic():  # a savepoint: a refusal undoes this entry only
                member = create_member(
                    organization, profile, managed_by=managed_by, actor_label=actor_label
                )
                if extra:
                    Member.update(extra).where(Member.id == member.id).execute()
        except DirectoryError as error:
            result.refused.append((index, error))
        else:
            result.created.append((index, member.id))
    return result


def _insert(organization, clean, managed_by: str, actor_label: str) -> list[tuple[int, int]]:
    if not clean:
        return []
    now = utcnow()
    rows = []
    for _index, profile, extra in clean:
        stored = stored_profile(profile)
        sources = {f: managed_by for f, v in stored.items() if v and not f.endswith("_key")}
        rows.append(
            {
                **stored,
                **extra,
                "phone_numbers": stored.get("phone_numbers") or [],
                "field_sources": sources,
                "organization": organization.id,
                "managed_by": managed_by,
                "active": True,
                "scim_id": str(uuid.uuid4()),
                "created_at": now,
                "updated_at": now,
            }
        )
    insert_rows(Member, rows)  # COPY on PostgreSQL, one prepared INSERT on SQLite
    keys = [row["user_name_key"] for row in rows]
    ids = {}
    for chunk in chunks(keys, LOOKUP_CHUNK):
        query = Member.select(Member.user_name_key, Member.id).where(
            (Member.organization == organization) & one_of(Member.user_name_key, chunk)
        )
        ids.update(dict(query.tuples()))
    failures.resolve_for_users(organization, keys, note="created")
    audit.record_many(
        "member.created",
        organization=organization,
        actor_label=actor_label,
        targets=[("member", ids[key], {"user_name": row["user_name"], "via": managed_by})
                 for key, row in zip(keys, rows, strict=True)],
    )  # fmt: skip
    return [
        (index, ids[row["user_name_key"]]) for (index, _, _), row in zip(clean, rows, strict=True)
    ]
