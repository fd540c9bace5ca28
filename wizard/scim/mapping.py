"""Conversions between our rows and SCIM resources, in named pairs
(``user_to_scim`` / ``profile_from_scim``, ``group_to_scim``); what each attribute
means to a filter is ``filter_attributes``.

Input is read leniently, as Okta's bodies are not always strict: attribute names in
any case (RFC 7643 §2.1), unknown attributes and extension URNs ignored, ``active`` as
a string tolerated, ``null`` and empty values accepted.
"""

from ..db import database
from ..directory import DirectoryError, parse_role
from ..models import Group, Member, Membership
from ..prepared import Prepared
from .errors import ScimError

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
OUR_SCHEMA = "urn:ietf:params:scim:schemas:extension:okta-connector:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _timestamp(moment) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def _meta(resource_type: str, row, location: str) -> dict:
    return {
        "resourceType": resource_type,
        "created": _timestamp(row.created_at),
        "lastModified": _timestamp(row.updated_at),
        "location": location,
        "version": f'W/"{row.version}"',
    }


def user_to_scim(
    member: Member,
    base_url: str,
    groups: list[tuple[str, str]] | None = None,
    role: str | None = None,
) -> dict:
    """The SCIM User for a member, its URLs below ``base_url`` (``ScimContext``);
    ``groups`` as (scim id, name) pairs, read-only."""
    resource = {
        "schemas": [USER_SCHEMA],
        "id": member.scim_id,
        "userName": member.user_name or member.email,
        "emails": [{"value": member.email, "type": "work", "primary": True}],
        "active": bool(member.active),  # always a boolean, even after a remove (Okta)
    }
    # Unassigned attributes are left out (RFC 7643 §2.5), so a removed value stays removed.
    name = {
        k: v for k, v in (("givenName", member.given_name), ("familyName", member.family_name)) if v
    }
    if name:
        resource["name"] = name
    if member.display_name:
        resource["displayName"] = member.display_name
    if member.external_id:
        resource["externalId"] = member.external_id
    if member.title:
        resource["title"] = member.title
    if member.phone_numbers:
        resource["phoneNumbers"] = member.phone_numbers
    enterprise = {
        k: v
        for k, v in (("department", member.department), ("employeeNumber", member.employee_number))
        if v
    }
    if member.manager_id:
        enterprise["manager"] = {"value": member.manager_id}
    if enterprise:
        resource["schemas"].append(ENTERPRISE_SCHEMA)
        resource[ENTERPRISE_SCHEMA] = enterprise
    if role:
        resource["schemas"].append(OUR_SCHEMA)
        resource[OUR_SCHEMA] = {"role": role}
    if groups is not None:
        resource["groups"] = [
            {"value": gid, "display": name, "$ref": f"{base_url}/Groups/{gid}", "type": "direct"}
            for gid, name in groups
        ]
    resource["meta"] = _meta("User", member, f"{base_url}/Users/{member.scim_id}")
    return resource


_GROUPS_OF_ONE = Prepared(
    lambda member_id: (
        Membership.select(Group.scim_id, Group.display_name)
        .join(Group)
        .where(Membership.member == member_id)
        .order_by(Group.display_name)
        .tuples()
    ),
    int,
)


def groups_of(member_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Each member's groups, for a whole page in one query."""
    result: dict[int, list[tuple[str, str]]] = {m: [] for m in member_ids}
    if not member_ids:
        return result
    if len(member_ids) == 1:  # one resource's answer: the hot path of every write
        return {member_ids[0]: [tuple(row) for row in _GROUPS_OF_ONE.rows(member_ids[0])]}
    query = (
        Membership.select(Membership.member, Group.scim_id, Group.display_name)
        .join(Group)
        .where(Membership.member.in_(member_ids))
        .order_by(Group.display_name)
        .tuples()
    )
    for member_id, scim_id, name in query:
        result[member_id].append((scim_id, name))
    return result


def group_to_scim(group: Group, base_url: str, members: list[tuple[str, str]] | None) -> dict:
    """The SCIM Group, its URLs below ``base_url``; ``members`` as (scim id, display)
    pairs, None to leave them out."""
    resource = {"schemas": [GROUP_SCHEMA], "id": group.scim_id, "displayName": group.display_name}
    if group.external_id:
        resource["externalId"] = group.external_id
    if members is not None:
        resource["members"] = [
            {"value": mid, "display": display, "$ref": f"{base_url}/Users/{mid}", "type": "User"}
            for mid, display in members
        ]
    resource["meta"] = _meta("Group", group, f"{base_url}/Groups/{group.scim_id}")
    return resource


def members_of(group_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Each group's members as (scim id, display), for a whole page in one query (a page
    holds at most ``MAX_RESULTS`` groups: one ``IN`` list)."""
    result: dict[int, list[tuple[str, str]]] = {group_id: [] for group_id in group_ids}
    if not group_ids:
        return result
    query = (
        Member.select(Membership.group, Member.scim_id, Member.user_name, Member.email)
        .join(Membership)
        .where(Membership.group.in_(group_ids) & ~Member.keep_local)  # invisible to SCIM
        .order_by(Member.id)
    )
    # The cursor's rows as they come: peewee's per-row conversion (identity for these
    # columns) was a quarter of answering a 5,000-member push.
    for group_id, scim_id, user_name, email in database.execute_sql(*query.sql()):
        result[group_id].append((scim_id, user_name or email))
    return result


# --- reading input -----------------------------------------------------------------


def folded(body: dict) -> dict:
    """The body with lowercased attribute names (extension URNs lowercased too)."""
    return {str(k).lower(): v for k, v in body.items()}


def _text(value, attribute: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ScimError(400, f"{attribute} must be a string.", "invalidValue")
    return str(value)


def _object(value, attribute: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScimError(400, f"{attribute} must be an object.", "invalidValue")
    return folded(value)


def _list(value, attribute: str) -> list[dict]:
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ScimError(400, f"{attribute} must be a list of objects.", "invalidValue")
    return [folded(item) for item in value]


def parse_bool(value, attribute: str = "active") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"  # Entra sends "False"; tolerated
    raise ScimError(400, f"{attribute} must be true or false.", "invalidValue")


def primary_email(emails: list[dict]) -> str:
    """The primary email, else the work one, else the first (seed 003: type work, primary)."""
    for wanted in (
        lambda e: e.get("primary") in (True, "true", "True"),
        lambda e: str(e.get("type", "")).lower() == "work",
        lambda e: True,
    ):
        for email in emails:
            if wanted(email) and email.get("value"):
                return _text(email["value"], "emails.value").strip()
    return ""


def _phones(items: list[dict]) -> list[dict]:
    phones = []
    for item in items:
        value = _text(item.get("value"), "phoneNumbers.value").strip()
        if value:
            phone = {"value": value, "type": _text(item.get("type"), "phoneNumbers.type") or "work"}
            if item.get("primary") is not None:
                phone["primary"] = parse_bool(item["primary"], "phoneNumbers.primary")
            phones.append(phone)
    return phones


def profile_from_scim(body: dict) -> tuple[dict, dict]:
    """A SCIM User body -> (profile for ``directory``, extras ``{"active", "role"}``)."""
    data = folded(body)
    name = _object(data.get("name"), "name")
    enterprise = _object(data.get(ENTERPRISE_SCHEMA.lower()), ENTERPRISE_SCHEMA)
    ours = _object(data.get(OUR_SCHEMA.lower()), OUR_SCHEMA)
    manager = enterprise.get("manager")
    manager_id = _object(manager, "manager").get("value") if isinstance(manager, dict) else manager
    profile = {
        "user_name": _text(data.get("username"), "userName").strip(),
        "email": primary_email(_list(data.get("emails"), "emails")),
        "given_name": _text(name.get("givenname"), "name.givenName").strip(),
        "family_name": _text(name.get("familyname"), "name.familyName").strip(),
        "display_name": _text(data.get("displayname"), "displayName").strip(),
        "title": _text(data.get("title"), "title").strip(),
        "phone_numbers": _phones(_list(data.get("phonenumbers"), "phoneNumbers")),
        "department": _text(enterprise.get("department"), "department").strip(),
        "employee_number": _text(enterprise.get("employeenumber"), "employeeNumber").strip(),
        "manager_id": _text(manager_id, "manager.value").strip(),
        "external_id": _text(data.get("externalid"), "externalId").strip() or None,
    }
    extras = {}
    if data.get("active") is not None:
        extras["active"] = parse_bool(data["active"])
    try:
        extras["role"] = parse_role(ours.get("role"))
    except DirectoryError as exc:
        raise ScimError(400, exc.message, "invalidValue") from None
    return profile, extras
