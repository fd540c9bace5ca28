"""Role grants and the effective roles they add up to: the one place that writes them.

Each grant records its source (``GrantSource``: by hand, Okta's role attribute, a role
mapping, the just-in-time role). The effective organization role, cached on
``Member.role``, is the highest organization-scope grant.
"""

from ..domain.roles import OrgRole
from ..domain.sources import GrantSource, Source
from ..models import Member, Membership, RoleAssignment, RoleMapping, Site
from ..prepared import Prepared


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


_SCIM_GRANTS = Prepared(
    lambda member_id: org_grants(member_id).where(RoleAssignment.source == GrantSource.SCIM),
    int,
)


def _scim_grants(member: Member) -> list[tuple[int, str]]:
    """The member's SCIM grants as (id, role), read once per member object: a SCIM write
    reads them to build the PATCHed resource, to compare the role, and to answer.
    Only ``set_scim_role`` changes them, and it keeps this up to date."""
    known = member.__dict__.get("_scim_grants")
    if known is None:
        known = member._scim_grants = [(g.id, g.role) for g in _SCIM_GRANTS.rows(member.id)]
    return known


def note_no_grants(member: Member) -> None:
    """``member`` was just made: it has no grants yet (nothing to read back)."""
    member._scim_grants = []


def set_scim_role(member: Member, role: OrgRole | None) -> bool:
    """Make the SCIM grant ``role`` (None or NONE: no SCIM grant); True when roles changed."""
    current = _scim_grants(member)
    wanted = None if role in (None, OrgRole.NONE) else role.value_name
    if [grant_role for _, grant_role in current] == ([wanted] if wanted else []):
        return False
    if current:
        RoleAssignment.delete().where(RoleAssignment.id.in_([i for i, _ in current])).execute()
    member._scim_grants = []
    if wanted:
        grant = RoleAssignment.create(
            member=member, role=wanted, source=GrantSource.SCIM, managed_by=Source.SCIM
        )
        member._scim_grants = [(grant.id, wanted)]
    recompute_org_role(member)
    return True


def set_manual_role(member: Member, role: OrgRole) -> bool:
    """Make the member's hand-given organization grant ``role`` (NONE: none); True when
    the grants changed. Who may do it is decided by the caller (``local_members``, or
    ``accounts`` for an owner it creates)."""
    current = list(org_grants(member).where(RoleAssignment.source == GrantSource.MANUAL))
    wanted = [] if role is OrgRole.NONE else [role.value_name]
    if [grant.role for grant in current] == wanted:
        return False
    RoleAssignment.delete().where(RoleAssignment.id.in_([grant.id for grant in current])).execute()
    if wanted:
        RoleAssignment.create(member=member, role=wanted[0], source=GrantSource.MANUAL)
    recompute_org_role(member)
    return True


def grant_jit_role(member: Member, role: OrgRole) -> bool:
    """Give a member made at their first Okta sign-in the organization's just-in-time
    role (the caller checked it is at most User); True when roles changed."""
    if role is OrgRole.NONE:
        return False
    RoleAssignment.create(
        member=member, role=role.value_name, source=GrantSource.JIT, managed_by=Source.JIT
    )
    recompute_org_role(member)
    return True


def scim_role(member: Member) -> str | None:
    """The role Okta gave through SCIM, if any (what SCIM reads back)."""
    current = _scim_grants(member)
    return current[0][1] if current else None


# --- role mappings (seed 000): Okta group -> organization role and site roles ---------


def _mapping_grants(member: Member, site_ids: set[int]) -> set[tuple]:
    """(role, site id, all sites, mapping id) for every mapping of the member's groups.
    The break-glass admin (kept local) gets nothing from Okta groups."""
    if member.keep_local or member.is_staff:
        return set()
    mappings = (
        RoleMapping.select()
        .join(Membership, on=(RoleMapping.group == Membership.group))
        .where(Membership.member == member)
    )
    wanted = set()
    for mapping in mappings:
        wanted.add((mapping.org_role, None, False, mapping.id))
        for scope, roles in (mapping.site_roles or {}).items():
            for role in roles:
                if scope == "all":
                    wanted.add((role, None, True, mapping.id))
                elif int(scope) in site_ids:
                    wanted.add((role, int(scope), False, mapping.id))
    return wanted


def recompute_mapped(member: Member) -> bool:
    """Make the member's mapping grants match their groups' mappings; True if changed."""
    site_ids = {
        s
        for (s,) in Site.select(Site.id).where(Site.organization == member.organization_id).tuples()
    }
    existing = {
        (g.role, g.site_id, g.all_sites, g.mapping_id): g
        for g in RoleAssignment.select().where(
            (RoleAssignment.member == member) & (RoleAssignment.source == GrantSource.MAPPING)
        )
    }
    wanted = _mapping_grants(member, site_ids)
    stale = [grant.id for key, grant in existing.items() if key not in wanted]
    if stale:
        RoleAssignment.delete().where(RoleAssignment.id.in_(stale)).execute()
    for role, site_id, all_sites, mapping_id in wanted - set(existing):
        RoleAssignment.create(
            member=member,
            role=role,
            site=site_id,
            all_sites=all_sites,
            source=GrantSource.MAPPING,
            managed_by=Source.SYNC,
            mapping=mapping_id,
        )
    changed = bool(stale) or bool(wanted - set(existing))
    return recompute_org_role(member) or changed


def recompute_members(member_ids) -> int:
    """Recompute after a membership change; returns how many members' grants changed."""
    return sum(
        recompute_mapped(member)
        for member in Member.select().where(Member.id.in_(list(member_ids)))
    )


def group_has_mapping(group_id: int) -> bool:
    return RoleMapping.select().where(RoleMapping.group == group_id).exists()


def effective_roles(member: Member) -> dict:
    """``{"org": OrgRole, "sites": {site name: {roles}}}``: highest org grant, site
    roles as the union per site (an all-websites grant counts on every site)."""
    sites = {
        site.id: site.name
        for site in Site.select().where(Site.organization == member.organization_id)
    }
    result = {name: set() for name in sites.values()}
    for grant in RoleAssignment.select().where(RoleAssignment.member == member):
        if grant.all_sites:
            for name in result:
                result[name].add(grant.role)
        elif grant.site_id in sites:
            result[sites[grant.site_id]].add(grant.role)
    return {"org": effective_org_role(member), "sites": {k: v for k, v in result.items() if v}}
