"""Read-side queries for the Team pages: filters and pages that stay cheap at 100,000
members (indexed columns, one query per page for groups and roles)."""

import peewee as pw

from ..db import is_sqlite
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

STATUSES = {"active": "Active", "inactive": "Deactivated"}


def member_query(organization: Organization, search: str = "", source: str = "", status: str = ""):
    query = Member.select().where(Member.organization == organization)
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
    return query.order_by(Member.created_at.desc(), Member.id.desc())


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
