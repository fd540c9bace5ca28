"""Role mappings and user detail mappings (seed 000), shared by the pages and the sync.

A preview is the save itself run inside a transaction that is rolled back, so what the
page announces ("12 members lose Editor on Library") is exactly what saving does.
"""

import re
from collections import Counter

from ..db import database
from ..directory import grants
from ..models import (
    DetailMapping,
    Group,
    Member,
    Membership,
    Organization,
    RoleMapping,
    Site,
    utcnow,
)
from ..permissions import may_grant
from .roles import OrgRole, SiteRole

SITE_ROLES = [role.value_name for role in SiteRole]
# EnterpriseAdmin is never mapped: a mapping hands its role to whoever Okta puts in the
# group, so an Okta group admin (who need not be ours) would choose our EnterpriseAdmins.
# That role is given by hand only.
MAPPED_ORG_ROLES = (OrgRole.USER.value_name, OrgRole.ADMIN.value_name)
DETAIL_FIELDS = {
    "title": "Job title",
    "department": "Department",
    "mobile_phone": "Mobile phone",
    "work_phone": "Work phone",
    "photo": "Staff photo",
}
IMAGE_FORMATS = ("jpeg", "png", "webp")

OKTA_PROPERTY = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,99}")


class MappingError(ValueError):
    """A refused mapping; ``field`` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def mappable_roles(actor) -> list[str]:
    """The organization roles ``actor`` may map a group to: nobody grants more than they
    hold (an Admin maps to User only)."""
    return [role for role in MAPPED_ORG_ROLES if may_grant(actor, OrgRole.parse(role))]


def may_change(actor, mapping: RoleMapping) -> bool:
    """Changing or removing a mapping takes its role away from the group's members: only
    someone who could give that role may."""
    return may_grant(actor, OrgRole.parse(mapping.org_role))


def clean_site_roles(organization: Organization, site_roles: dict) -> dict:
    site_ids = {
        str(s) for (s,) in Site.select(Site.id).where(Site.organization == organization).tuples()
    }
    cleaned = {}
    for scope, roles in site_roles.items():
        if scope != "all" and str(scope) not in site_ids:
            raise MappingError("That site does not exist.", "sites")
        picked = [role for role in SITE_ROLES if role in roles]
        if picked:
            cleaned[str(scope)] = picked
    return cleaned


def save_role_mapping(group: Group, org_role: str, site_roles: dict, *, actor) -> RoleMapping:
    """Create or change the group's mapping and recompute its members' roles."""
    if org_role not in MAPPED_ORG_ROLES:
        raise MappingError("Choose admin access or a member login.", "access")
    if org_role not in mappable_roles(actor):
        raise MappingError(
            f"You cannot map a group to the {org_role} role: nobody gives a role above "
            "their own. Map it to a member login, or ask an Enterprise admin.",
            "access",
        )
    site_roles = clean_site_roles(group.organization, site_roles)
    with database.atomic():
        mapping = RoleMapping.get_or_none(RoleMapping.group == group)
        if mapping is not None and not may_change(actor, mapping):
            raise MappingError(
                f"This group's mapping gives the {mapping.org_role} role: only someone "
                "who may give that role can change it.",
                "group",
            )
        if mapping is None:
            mapping = RoleMapping.create(
                organization=group.organization,
                group=group,
                org_role=org_role,
                site_roles=site_roles,
            )
        else:
            mapping.org_role, mapping.site_roles = org_role, site_roles
            mapping.updated_at = utcnow()
            mapping.save()
        grants.recompute_members(_member_ids(group))
    return mapping


def delete_role_mapping(mapping: RoleMapping, *, actor) -> None:
    if not may_change(actor, mapping):
        raise MappingError(f"Only someone who may give {mapping.org_role} can remove this.")
    with database.atomic():
        member_ids = _member_ids(mapping.group) if mapping.group_id else []  # detached: none
        mapping.delete_instance()
        grants.recompute_members(member_ids)


def preview_role_mapping(group: Group, org_role: str, site_roles: dict, *, actor) -> list[str]:
    """What saving would change, in sentences; computed by saving and rolling back (the
    same checks refuse the same things)."""
    members = list(Member.select().where(Member.id.in_(_member_ids(group))))
    before = {m.id: _flatten(grants.effective_roles(m)) for m in members}
    with database.atomic() as transaction:
        save_role_mapping(group, org_role, site_roles, actor=actor)
        after = {m.id: _flatten(grants.effective_roles(Member.get_by_id(m.id))) for m in members}
        transaction.rollback()
    gains, losses = Counter(), Counter()
    for member_id, roles in before.items():
        gains.update(after[member_id] - roles)
        losses.update(roles - after[member_id])
    lines = [f"{n} member{'s' if n != 1 else ''} gain {what}" for what, n in sorted(gains.items())]
    lines += [
        f"{n} member{'s' if n != 1 else ''} lose {what}" for what, n in sorted(losses.items())
    ]
    return lines or ["Nobody's roles change."]


def _flatten(roles: dict) -> set[str]:
    flat = {f"{roles['org'].label} access"} if roles["org"] > OrgRole.NONE else set()
    for site, names in roles["sites"].items():
        flat |= {f"{name} on {site}" for name in names}
    return flat


def _member_ids(group: Group) -> list[int]:
    return [
        m for (m,) in Membership.select(Membership.member).where(Membership.group == group).tuples()
    ]


# --- user detail mapping -------------------------------------------------------------


def save_detail_mappings(organization: Organization, choices: dict, image_format: str) -> None:
    """``choices``: field -> Okta property ('' for none). A photo needs an image format."""
    for field, prop in choices.items():
        if prop and not OKTA_PROPERTY.fullmatch(prop.strip()):
            raise MappingError(
                f"{prop[:40]!r} is not an Okta profile property name (a letter, then "
                "letters, digits, _ and ., at most 100 characters).",
                field,
            )
    if choices.get("photo") and image_format not in IMAGE_FORMATS:
        raise MappingError(
            "A staff photo mapping needs an image format (JPEG, PNG or WebP).", "image_format"
        )
    with database.atomic():
        DetailMapping.delete().where(DetailMapping.organization == organization).execute()
        for field, prop in choices.items():
            if field in DETAIL_FIELDS and prop:
                DetailMapping.create(
                    organization=organization,
                    field=field,
                    okta_property=prop.strip(),
                    image_format=image_format if field == "photo" else "",
                )


def detail_mappings(organization: Organization) -> dict[str, DetailMapping]:
    return {
        m.field: m for m in DetailMapping.select().where(DetailMapping.organization == organization)
    }


def apply_detail_mappings(profile: dict, okta_profile: dict, mappings: dict) -> dict:
    """The sync's profile with mapped Okta properties in place; a photo must be https."""
    values = dict(profile)
    for field, mapping in mappings.items():
        value = str(okta_profile.get(mapping.okta_property) or "").strip()
        if field in ("title", "department"):
            values[field] = value
        elif field in ("mobile_phone", "work_phone"):
            kind = "mobile" if field == "mobile_phone" else "work"
            phones = [p for p in values.get("phone_numbers", []) if p.get("type") != kind]
            values["phone_numbers"] = phones + ([{"value": value, "type": kind}] if value else [])
        elif field == "photo":
            values["photo_url"] = value if value.startswith("https://") else ""
    return values


def schema_properties(client) -> list[tuple[str, str]]:
    """(property, title) pairs from Okta's user schema, base and custom."""
    schema = client.get("/api/v1/meta/schemas/user/default")
    found = []
    for part in ("base", "custom"):
        properties = ((schema.get("definitions") or {}).get(part) or {}).get("properties") or {}
        found += [(name, spec.get("title") or name) for name, spec in properties.items()]
    return sorted(found, key=lambda item: item[1].lower())
