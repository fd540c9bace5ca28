"""Many new groups with their members at once, under the same rules as
``create_or_link_group`` then ``replace_members``: a first sync brings thousands of Okta
groups, and the dozen statements each one took were most of its group time on
PostgreSQL (pyinstrument: 8.6 of 21 s at 400 groups).

A group goes in the bulk only when the rules decide it for certain: its name is unused
in the organization and in the batch, and no detached role mapping would attach to it
(then it has no mapping, so no role to recompute). Kept-local members are left out, as
``replace_members`` leaves them. Every other group goes through the one-by-one path.
Call it inside the write transaction.
"""

from ..bulk_insert import insert_rows
from ..db import LOOKUP_CHUNK, chunks, database, is_sqlite, one_of
from ..domain import audit
from ..models import Group, Organization, fold, utcnow
from .groups import kept_local_members
from .kept_mappings import detached_mappings, same_okta_group
from .rules import require_enterprise


def clean_new_groups(organization: Organization, entries: list[tuple[str, str]]) -> set[str]:
    """The Okta ids, among ``(display name, Okta id)`` entries, the bulk may create."""
    detached = detached_mappings(organization.id)
    keys = [fold(name) for name, _ in entries]
    taken = set()
    for chunk in chunks(keys, LOOKUP_CHUNK):
        query = Group.select(Group.name_key).where(
            (Group.organization == organization) & one_of(Group.name_key, chunk)
        )
        taken |= {key for (key,) in query.tuples()}
    clean = set()
    for (name, okta_id), key in zip(entries, keys, strict=True):
        candidate = Group(okta_id=okta_id, external_id=None, name_key=key)
        if name.strip() and key not in taken and same_okta_group(candidate, detached) is None:
            clean.add(okta_id)
        taken.add(key)
    return clean


def create_groups_with_members(
    organization: Organization,
    entries: list[tuple[str, str, set[int]]],
    *,
    managed_by: str,
    actor_label: str,
) -> dict[str, int]:
    """Create each clean ``(display name, Okta id, member ids)`` group with its members;
    returns {Okta id: members added}."""
    require_enterprise(organization)
    if not entries:
        return {}
    now = utcnow()
    insert_rows(Group, [
        {"organization": organization.id, "display_name": name.strip(),
         "name_key": fold(name), "external_id": None, "okta_id": okta_id,
         "managed_by": managed_by, "created_at": now, "updated_at": now}
        for name, okta_id, _ in entries
    ])  # fmt: skip
    ids = _ids_by_okta_id(organization, [okta_id for _, okta_id, _ in entries])
    audit.record_many("group.created", organization=organization, actor_label=actor_label,
                      targets=[("group", ids[okta_id], {"name": name.strip()})
                               for name, okta_id, _ in entries])  # fmt: skip
    kept = kept_local_members(organization)
    added = {okta_id: sorted(members - kept) for _, okta_id, members in entries}
    _insert_memberships(
        [(ids[okta_id], m) for okta_id, ms in added.items() for m in ms], managed_by, now
    )
    changed = [okta_id for okta_id, ms in added.items() if ms]
    for chunk in chunks([ids[okta_id] for okta_id in changed], LOOKUP_CHUNK):
        # _touch's version bump, as replace_members makes it for a group it changed
        Group.update(version=Group.version + 1, updated_at=utcnow()).where(
            one_of(Group.id, chunk)
        ).execute()
    audit.record_many("group.members_changed", organization=organization,
                      actor_label=actor_label,
                      targets=[("group", ids[o], {"added": len(added[o]), "removed": 0})
                               for o in changed])  # fmt: skip
    return {okta_id: len(ms) for okta_id, ms in added.items()}


def _ids_by_okta_id(organization, okta_ids: list[str]) -> dict[str, int]:
    ids = {}
    for chunk in chunks(okta_ids, LOOKUP_CHUNK):
        query = Group.select(Group.okta_id, Group.id).where(
            (Group.organization == organization) & one_of(Group.okta_id, chunk)
        )
        ids.update(dict(query.tuples()))
    return ids


def _insert_memberships(pairs: list[tuple[int, int]], managed_by: str, now) -> None:
    if not pairs:
        return
    if is_sqlite():
        cursor = database.cursor()
        try:
            cursor.executemany(
                "INSERT INTO membership (group_id, member_id, managed_by, created_at) "
                "VALUES (?, ?, ?, ?)",
                [(g, m, managed_by, now) for g, m in pairs],
            )
        finally:
            cursor.close()
        return
    database.execute_sql(
        "INSERT INTO membership (group_id, member_id, managed_by, created_at) "
        "SELECT g, m, %s, %s FROM unnest(%s::integer[], %s::integer[]) AS pair(g, m)",
        (managed_by, now, [g for g, _ in pairs], [m for _, m in pairs]),
    )
