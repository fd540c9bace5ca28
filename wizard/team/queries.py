"""Read-side queries for the Team pages: filters and pages that stay cheap at 100,000
members (indexed columns, one query per page for groups and roles)."""

import peewee as pw

from ..db import is_sqlite
from ..domain import member_tally
from ..domain.roles import OrgRole
from ..domain.sources import Source
from ..models import (
    Group,
    Member,
    Membership,
    Organization,
    RoleAssignment,
    RoleMapping,
    Site,
    fold,
)
from .paging import Pages

STATUSES = {"active": "Active", "inactive": "Deactivated"}


def member_query(
    organization: Organization,
    search: str = "",
    source: str = "",
    status: str = "",
    *,
    sort_matches: bool = False,
):
    """The organization's members, newest first, filtered. ``sort_matches``: order by
    expressions no index serves, so the database sorts the (few) matches instead of
    walking the date index until a page is full (see ``member_pages``)."""
    query = Member.select(*LISTED).where(Member.organization == organization)
    if search:
        key = fold(search)
        query = query.where(
            _prefix(Member.email_key, key)
            | _prefix(Member.user_name_key, key)
            | _prefix(pw.fn.LOWER(Member.family_name), key)
            | _prefix(pw.fn.LOWER(Member.given_name), key)
        )
    if source in {s.value for s in Source}:
        query = query.where(Member.managed_by == source)
    if status == "active":
        query = query.where(Member.active)
    elif status == "inactive":
        query = query.where(~Member.active)
    return query.order_by(*(_sorted(NEWEST_FIRST) if sort_matches else NEWEST_FIRST))


# What a Team > Users row shows: the whole member (JSON columns decoded, 30 columns
# converted) was a fifth of the page's time at 50 rows.
LISTED = (
    Member.id, Member.scim_id, Member.email, Member.email_key, Member.user_name,
    Member.display_name, Member.given_name, Member.family_name, Member.managed_by,
    Member.active, Member.role, Member.updated_at,
)  # fmt: skip
NEWEST_FIRST = (Member.created_at.desc(), Member.id.desc())
OLDEST_FIRST = (Member.created_at.asc(), Member.id.asc())
# A search matching more members than this shows "more than" and pages through the
# date index; fewer are sorted, whatever the planner guessed of the search's matches.
SEARCH_COUNT_LIMIT = 10_000


def member_pages(organization: Organization, filters: dict, page: int | None, size: int):
    """Team > Users' page: totals from the tally (no count of 100,000 rows per page), a
    search counted up to ``SEARCH_COUNT_LIMIT``. On PostgreSQL a prefix search walked
    the whole date index backwards looking for 50 matches when only 10 existed: the
    planner guessed 2,000 (docs/benchmarks.md); counting first tells which plan fits."""
    search, source, status = (
        filters.get("q", ""),
        filters.get("source", ""),
        filters.get("status", ""),
    )
    query = member_query(organization, search, source, status)
    if not search:
        total = member_tally.members(
            organization.id,
            managed_by=source if source in {s.value for s in Source} else None,
            active={"active": True, "inactive": False}.get(status),
        )
        return Pages(query, size, reverse=OLDEST_FIRST, page=page, total=total)
    matches = count_at_most(query, SEARCH_COUNT_LIMIT)
    if matches > SEARCH_COUNT_LIMIT:
        return Pages(query, size, reverse=OLDEST_FIRST, page=page, at_least=matches)
    query = member_query(organization, search, source, status, sort_matches=True)
    return Pages(query, size, reverse=_sorted(OLDEST_FIRST), page=page, total=matches)


def count_at_most(query, limit: int) -> int:
    """``query``'s rows, counted up to ``limit + 1``."""
    return query.order_by().limit(limit + 1).count()


def _sorted(order: tuple) -> tuple:
    """``order`` on expressions of its columns (same order, no index usable for it)."""
    return tuple(pw.Ordering(pw.fn.COALESCE(o.node, o.node), o.direction) for o in order)


# Above every character a name can hold: ``key <= x < key + TOP`` is "x starts with key".
TOP = "\U0010ffff"


def _prefix(column, key: str):
    """``column`` starts with ``key`` as a range, which an index answers (``LIKE 'k%'``
    scans every row). The columns hold lowercased text, as does ``key``. PostgreSQL
    compares in the "C" collation (code point order, as SQLite does), matching the
    indexes of migration 009 whatever collation the database was created with."""
    if not is_sqlite():
        column = column.collate('"C"')
    return (column >= key) & (column < key + TOP)


def groups_by_member(member_ids: list[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {m: [] for m in member_ids}
    if member_ids:
        rows = (
            Membership.select(Membership.member, Group.display_name)
            .join(Group)
            .where(Membership.member.in_(member_ids))
            .order_by(Group.name_key)
            .tuples()
        )
        for member_id, name in rows:
            result[member_id].append(name)
    return result


def grants_of(member: Member):
    """Each grant with its site and, for a mapping, the group: "why this role?"."""
    return (
        RoleAssignment.select(RoleAssignment, Site, RoleMapping, Group)
        .join(Site, pw.JOIN.LEFT_OUTER)
        .switch(RoleAssignment)
        .join(RoleMapping, pw.JOIN.LEFT_OUTER)
        .join(Group, pw.JOIN.LEFT_OUTER)
        .where(RoleAssignment.member == member)
        .order_by(RoleAssignment.site, RoleAssignment.role)
    )


DIRECTORY_ROLES = [r.value_name for r in OrgRole if r >= OrgRole.USER]


def directory_query(organization: Organization, search: str = ""):
    query = Member.select().where(
        (Member.organization == organization) & Member.active & Member.role.in_(DIRECTORY_ROLES)
    )
    if search:
        key = fold(search)
        query = query.where(
            pw.fn.LOWER(Member.family_name).startswith(key)
            | pw.fn.LOWER(Member.given_name).startswith(key)
            | Member.email_key.startswith(key)
            | pw.fn.LOWER(Member.department).startswith(key)
        )
    return query.order_by(Member.family_name, Member.given_name, Member.id)


def group_query(organization: Organization, search: str = ""):
    count = (
        Membership.select(pw.fn.COUNT(Membership.id)).where(Membership.group == Group.id)
    ).alias("member_count")
    query = Group.select(Group, count).where(Group.organization == organization)
    if search:
        query = query.where(Group.name_key.contains(fold(search)))
    return query.order_by(Group.name_key)


def members_of_group(group: Group):
    return (
        Member.select().join(Membership).where(Membership.group == group).order_by(Member.email_key)
    )
