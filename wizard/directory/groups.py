"""Groups and memberships. Membership changes are set operations done in bulk, so a
push of 10,000 members is a handful of statements, not 10,000 round trips."""

from collections.abc import Iterable

from ..db import LOOKUP_CHUNK, chunks, database, is_sqlite, one_of
from ..domain import audit
from ..domain.failure_reasons import FailureReason
from ..models import Group, Member, Membership, Organization, fold, utcnow
from ..prepared import save_changed
from . import grants
from .kept_mappings import attach_kept_mapping, detach_mapping
from .rules import DirectoryError, require_enterprise


def group_by_name(organization: Organization, name: str) -> Group | None:
    return Group.get_or_none((Group.organization == organization) & (Group.name_key == fold(name)))


def create_or_link_group(
    organization: Organization,
    display_name: str,
    *,
    external_id: str | None,
    managed_by: str,
    actor_label: str,
    okta_id: str | None = None,
) -> tuple[Group, bool]:
    """A new group, or the existing group of that name linked to the writer (True).
    Either way, a mapping kept from the same Okta group's deletion is attached again."""
    require_enterprise(organization)
    display_name = (display_name or "").strip()
    if not display_name:
        raise DirectoryError(FailureReason.INVALID_DATA, "A group needs a displayName.")
    existing = group_by_name(organization, display_name)
    if existing is not None:
        _link(existing, external_id, managed_by, actor_label)
        if okta_id and existing.okta_id != okta_id:
            Group.update(okta_id=okta_id).where(Group.id == existing.id).execute()
            existing.okta_id = okta_id
        attach_kept_mapping(existing, actor_label=actor_label)
        return existing, True
    now = utcnow()
    group = Group.create(
        organization=organization,
        display_name=display_name,
        name_key=fold(display_name),
        external_id=external_id,
        okta_id=okta_id,
        managed_by=managed_by,
        created_at=now,
        updated_at=now,
    )
    audit.record(
        "group.created",
        organization=organization,
        actor_label=actor_label,
        target=group,
        details={"name": display_name},
    )
    attach_kept_mapping(group, actor_label=actor_label)
    return group, False


def _link(existing: Group, external_id: str | None, managed_by: str, actor_label: str) -> None:
    changed = existing.managed_by != managed_by or (
        external_id and existing.external_id != external_id
    )
    if changed:
        existing.managed_by = managed_by
        existing.external_id = external_id or existing.external_id
        _touch(existing)
        audit.record(
            "group.linked",
            organization=existing.organization,
            actor_label=actor_label,
            target=existing,
            details={"name": existing.display_name},
        )


def rename_group(group: Group, display_name: str, *, actor_label: str) -> bool:
    display_name = (display_name or "").strip()
    if not display_name:
        raise DirectoryError(FailureReason.INVALID_DATA, "A group needs a displayName.")
    if display_name == group.display_name:
        return False
    other = group_by_name(group.organization, display_name)
    if other is not None and other.id != group.id:
        raise DirectoryError(
            FailureReason.CONFLICT, f"A group named {display_name!r} already exists."
        )
    old = group.display_name
    group.display_name, group.name_key = display_name, fold(display_name)
    _touch(group)
    audit.record(
        "group.renamed",
        organization=group.organization,
        actor_label=actor_label,
        target=group,
        details={"from": old, "to": display_name},
    )
    return True


def set_external_id(group: Group, external_id: str | None) -> bool:
    if (external_id or None) == group.external_id:
        return False
    group.external_id = external_id or None
    _touch(group)
    return True


def members_for_refs(organization: Organization, refs: Iterable[str]) -> tuple[dict, list]:
    """Map SCIM member ids to member row ids inside the organization; returns
    ``({scim_id: member_id}, [unknown scim ids])``. Another tenant's ids are unknown, and
    so are kept-local members': Okta can neither see nor group them."""
    wanted = list(dict.fromkeys(ref for ref in refs if ref))
    found: dict[str, int] = {}
    if wanted and not is_sqlite():
        # One statement whatever the count: one probe of the unique scim_id index per
        # id. LATERAL with LIMIT 1 keeps the planner from hashing the whole member table
        # (a plain join did, at 5,000 ids: 147 ms); in chunks of LOOKUP_CHUNK a
        # 5,000-member push spent 53 ms in ten lookups, this one takes 36 ms.
        rows = database.execute_sql(
            "SELECT found.id, found.scim_id FROM unnest(%s::text[]) AS wanted(scim_id) "
            "CROSS JOIN LATERAL (SELECT m.id, m.scim_id FROM member AS m "
            "WHERE m.scim_id = wanted.scim_id AND m.organization_id = %s "
            "AND NOT m.keep_local LIMIT 1) AS found",
            (wanted, organization.id),
        )
        found = {scim_id: member_id for member_id, scim_id in rows}
        return found, [ref for ref in wanted if ref not in found]
    for chunk in chunks(wanted, LOOKUP_CHUNK):
        query = Member.select(Member.id, Member.scim_id).where(
            (Member.organization == organization)
            & one_of(Member.scim_id, chunk)
            & ~Member.keep_local
        )
        found.update({scim_id: member_id for member_id, scim_id in query.tuples()})
    return found, [ref for ref in wanted if ref not in found]


def current_member_ids(group: Group) -> set[int]:
    return {
        m for (m,) in Membership.select(Membership.member).where(Membership.group == group).tuples()
    }


def add_members(
    group: Group, member_ids: Iterable[int], *, managed_by: str, actor_label: str
) -> int:
    new = sorted(set(member_ids) - current_member_ids(group))
    return _insert_members(group, new, managed_by=managed_by, actor_label=actor_label)


def _insert_members(group: Group, new: list[int], *, managed_by: str, actor_label: str) -> int:
    """Add ``new`` (ids not yet members) to the group."""
    now = utcnow()
    if not is_sqlite():
        _insert_members_postgres(group.id, new, managed_by, now)
    elif new:
        # One prepared row INSERT run for every id: Peewee building a 2,000-row INSERT's
        # SQL cost more than SQLite took to run it (a first sync adds 2,000 groups' members).
        cursor = database.cursor()
        try:
            cursor.executemany(
                "INSERT OR IGNORE INTO membership (group_id, member_id, managed_by, created_at) "
                "VALUES (?, ?, ?, ?)",
                [(group.id, m, managed_by, now) for m in new],
            )
        finally:
            cursor.close()
    _membership_changed(group, len(new), 0, actor_label)
    _recompute_roles(group, new)
    return len(new)


def _insert_members_postgres(group_id: int, new: list[int], managed_by: str, now) -> None:
    """All of ``new`` in one statement with one array parameter: a VALUES list of 2,000
    rows took PostgreSQL longer to parse and plan than to insert (bench/scale.py)."""
    if new:
        database.execute_sql(
            "INSERT INTO membership (group_id, member_id, managed_by, created_at) "
            "SELECT %s, member_id, %s, %s FROM unnest(%s::integer[]) AS member_id "
            "ON CONFLICT (group_id, member_id) DO NOTHING",
            (group_id, managed_by, now, new),
        )


def remove_members(group: Group, member_ids: Iterable[int], *, actor_label: str) -> int:
    removed = 0
    member_ids = sorted(set(member_ids))
    for chunk in chunks(member_ids, LOOKUP_CHUNK):
        query = Membership.delete().where(
            (Membership.group == group) & one_of(Membership.member, chunk)
        )
        if database.returning_clause:
            # Count the rows deleted, not the row count: a pipelined SCIM write does not
            # know a row count (-1) when the statement returns (wizard/pg_pipeline.py).
            removed += len(list(query.returning(Membership.member).tuples().execute()))
        else:
            removed += query.execute()
    _membership_changed(group, 0, removed, actor_label)
    if removed:
        _recompute_roles(group, member_ids)
    return removed


def replace_members(
    group: Group, member_ids: Iterable[int], *, managed_by: str, actor_label: str
) -> int:
    """Make the membership exactly ``member_ids`` (Okta's "Push Now" and PUT); returns
    how many memberships were added or removed. Kept-local members' memberships stay as
    they are: Okta neither adds nor removes them."""
    current = current_member_ids(group)
    kept = kept_local_members(group.organization_id)
    wanted = (set(member_ids) - kept) | (current & kept)
    if wanted == current:
        return 0
    with database.atomic():
        removed = remove_members(group, current - wanted, actor_label=actor_label)
        added = _insert_members(
            group, sorted(wanted - current), managed_by=managed_by, actor_label=actor_label
        )
    return removed + added


def kept_local_members(organization) -> set[int]:
    """The ids of ``organization``'s kept-local members, whose memberships Okta neither
    adds nor removes. Read inside the sync's write transactions: through the partial
    index of migration 032, whose condition is this query's bare ``keep_local`` term
    (one index search, whatever the size of the membership it is set against)."""
    query = Member.select(Member.id).where(
        (Member.organization == organization) & Member.keep_local
    )
    return {m for (m,) in query.tuples()}


def delete_group(group: Group, *, actor_label: str) -> None:
    audit.record(
        "group.deleted",
        organization=group.organization,
        actor_label=actor_label,
        target=group,
        details={"name": group.display_name},
    )
    mapped = detach_mapping(group, actor_label=actor_label) is not None
    member_ids = current_member_ids(group) if mapped else set()
    group.delete_instance()  # memberships cascade; the mapping was kept, detached
    if member_ids:
        grants.recompute_members(member_ids)  # its grants go with the group


def _membership_changed(group: Group, added: int, removed: int, actor_label: str) -> None:
    if not (added or removed):
        return
    _touch(group)
    audit.record(
        "group.members_changed",
        organization=group.organization,
        actor_label=actor_label,
        target=group,
        details={"added": added, "removed": removed},
    )


def _recompute_roles(group: Group, member_ids) -> None:
    """Role mappings follow membership in the same transaction, whichever door changed it."""
    if member_ids and grants.group_has_mapping(group.id):
        grants.recompute_members(member_ids)


def _touch(group: Group) -> None:
    group.version += 1
    group.updated_at = utcnow()
    save_changed(group)
