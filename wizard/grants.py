"""Role grants and the effective roles they add up to.

Each grant records its source (``manual``, ``scim``, ``mapping``). The effective
organization role, cached on ``Member.role``, is the highest organization-scope grant.
"""

from .models import Member, RoleAssignment
from .roles import OrgRole


def org_grants(member: Member):
    return RoleAssignment.select().where(
        (RoleAssignment.member == member)
        & RoleAssignment.site.is_null()
        & ~RoleAssignment.all_sites
    )


def effective_org_role(member: Member) -> OrgRole:
    roles = [OrgRole.parse(grant.role) for grant in org_grants(member)]
    return max(roles, default=OrgRole.NONE)


def recompute_org_role(member: Member) -> bool:
    """Store the effective organization role on the member; True when it changed."""
    role = effective_org_role(member).value_name
    if member.role == role:
        return False
    member.role = role
    Member.update(role=role).where(Member.id == member.id).execute()
    return True


def set_scim_role(member: Member, role: OrgRole | None) -> bool:
    """Make the SCIM grant ``role`` (None or NONE: no SCIM grant); True when roles changed."""
    current = org_grants(member).where(RoleAssignment.source == "scim")
    wanted = None if role in (None, OrgRole.NONE) else role.value_name
    existing = [grant.role for grant in current]
    if existing == ([wanted] if wanted else []):
        return False
    RoleAssignment.delete().where(RoleAssignment.id.in_([grant.id for grant in current])).execute()
    if wanted:
        RoleAssignment.create(member=member, role=wanted, source="scim", managed_by="scim")
    recompute_org_role(member)
    return True


def scim_role(member: Member) -> str | None:
    """The role Okta gave through SCIM, if any (what SCIM reads back)."""
    grant = org_grants(member).where(RoleAssignment.source == "scim").first()
    return grant.role if grant else None
