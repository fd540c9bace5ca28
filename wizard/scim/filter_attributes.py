"""What each SCIM attribute means to a filter (RFC 7644 §3.4.2.2): the column it
compares, how (exact, case-folded key, case-insensitive text, boolean, date), or the
subquery behind a multi-valued attribute (a user's ``groups``, a group's ``members``).
Attribute names are lowercased, as the filter parser hands them over."""

from ..models import Group, Member, Membership
from .filters import Attr
from .mapping import ENTERPRISE_SCHEMA


def user_filter_attributes() -> dict:
    def in_group(group_scim_id):
        return Member.id.in_(
            Membership.select(Membership.member).join(Group).where(Group.scim_id == group_scim_id)
        )

    def in_any_group():
        return Member.id.in_(Membership.select(Membership.member))

    ent = ENTERPRISE_SCHEMA.lower()
    return {
        "id": Attr("exact", Member.scim_id),
        "externalid": Attr("exact", Member.external_id),
        "username": Attr("key", Member.user_name_key),
        "emails": Attr("key", Member.email_key),
        "emails.value": Attr("key", Member.email_key),
        "emails.type": Attr("const", value="work"),
        "emails.primary": Attr("const", value="true"),
        "name.givenname": Attr("ci", Member.given_name),
        "name.familyname": Attr("ci", Member.family_name),
        "displayname": Attr("ci", Member.display_name),
        "title": Attr("ci", Member.title),
        "active": Attr("bool", Member.active),
        "meta.created": Attr("datetime", Member.created_at),
        "meta.lastmodified": Attr("datetime", Member.updated_at),
        f"{ent}:department": Attr("ci", Member.department),
        f"{ent}:employeenumber": Attr("exact", Member.employee_number),
        f"{ent}:manager.value": Attr("exact", Member.manager_id),
        "groups": Attr("subquery", in_group, in_any_group),
        "groups.value": Attr("subquery", in_group, in_any_group),
    }


def group_filter_attributes() -> dict:
    # Kept-local members are invisible to SCIM (scim/users.py): no filter may find them.
    def has_member(member_scim_id):
        return Group.id.in_(
            Membership.select(Membership.group)
            .join(Member)
            .where((Member.scim_id == member_scim_id) & ~Member.keep_local)
        )

    def has_any_member():
        return Group.id.in_(
            Membership.select(Membership.group).join(Member).where(~Member.keep_local)
        )

    return {
        "id": Attr("exact", Group.scim_id),
        "externalid": Attr("exact", Group.external_id),
        "displayname": Attr("key", Group.name_key),
        "members": Attr("subquery", has_member, has_any_member),
        "members.value": Attr("subquery", has_member, has_any_member),
        "meta.created": Attr("datetime", Group.created_at),
        "meta.lastmodified": Attr("datetime", Group.updated_at),
    }
