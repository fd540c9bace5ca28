"""A role mapping outlives its Okta group.

Okta deletes a pushed group when an admin unlinks the push, or deletes and re-creates
every group after a push-settings change. The members must lose the mapped roles at
once, but the mapping is an admin's configuration: it is kept *detached*, remembering
the group's name and ids, and grants nothing. It is attached again when the same Okta
group arrives, by SCIM push or by the pull sync:

- by id: the arriving group's Okta id or externalId is one the mapping remembers;
- else by name (case-insensitive), unless both sides know an id and the ids differ: an
  Okta group that only shares the name is another group, and someone allowed to create
  Okta groups must not revive an Admin mapping by naming a new group after a deleted one.

Only groups an Okta writer brings (``scim``, ``sync``) are matched, only within the
organization, and only while the group has no mapping of its own.
"""

from ..domain import audit
from ..domain.sources import Source
from ..models import Group, Membership, RoleMapping, fold, utcnow
from . import grants

OKTA_WRITERS = (Source.SCIM, Source.SYNC)


def detach_mapping(group: Group, *, actor_label: str) -> RoleMapping | None:
    """Keep the group's mapping without its group (call before deleting the group)."""
    mapping = RoleMapping.get_or_none(RoleMapping.group == group)
    if mapping is None:
        return None
    mapping.group = None
    mapping.detached_name = group.display_name
    mapping.detached_okta_id = group.okta_id
    mapping.detached_external_id = group.external_id
    mapping.detached_at = mapping.updated_at = utcnow()
    mapping.save()
    _audit("mapping.detached", mapping, group, actor_label)
    return mapping


def attach_kept_mapping(group: Group, *, actor_label: str) -> RoleMapping | None:
    """Attach the detached mapping of the same Okta group, if any; its members get the
    mapped roles now."""
    if group.managed_by not in OKTA_WRITERS or grants.group_has_mapping(group.id):
        return None
    mapping = same_okta_group(group, detached_mappings(group.organization_id))
    if mapping is None:
        return None
    mapping.group = group
    mapping.detached_name, mapping.detached_okta_id, mapping.detached_external_id = "", None, None
    mapping.detached_at, mapping.updated_at = None, utcnow()
    mapping.save()
    _audit("mapping.attached", mapping, group, actor_label)
    members = Membership.select(Membership.member).where(Membership.group == group).tuples()
    grants.recompute_members([member_id for (member_id,) in members])
    return mapping


def same_okta_group(group: Group, detached: list[RoleMapping]) -> RoleMapping | None:
    """The mapping whose remembered group is ``group`` (the rules in the docstring);
    ``detached`` newest first, so the latest deletion wins a tie."""
    ids = _ids(group.okta_id, group.external_id)
    for mapping in detached:
        if ids & _ids(mapping.detached_okta_id, mapping.detached_external_id):
            return mapping
    for mapping in detached:
        known = _ids(mapping.detached_okta_id, mapping.detached_external_id)
        if fold(mapping.detached_name) == group.name_key and not (ids and known):
            return mapping
    return None


def detached_okta_groups(organization_id: int) -> tuple[set[str], set[str]]:
    """(Okta ids, casefolded names) of the Okta groups the organization's detached
    mappings would attach to, for the sync (an Okta group always has an id, so a name
    counts only for a mapping that remembers none)."""
    detached = detached_mappings(organization_id)
    return (
        {m.detached_okta_id for m in detached if m.detached_okta_id},
        {
            fold(m.detached_name)
            for m in detached
            if not _ids(m.detached_okta_id, m.detached_external_id)
        },
    )


def _audit(action: str, mapping: RoleMapping, group: Group, actor_label: str) -> None:
    audit.record(
        action,
        organization=group.organization,
        actor_label=actor_label,
        target=mapping,
        details={"group": group.display_name},
    )


def detached_mappings(organization_id: int) -> list[RoleMapping]:
    """The organization's detached mappings, newest first."""
    return list(
        RoleMapping.select()
        .where((RoleMapping.organization == organization_id) & RoleMapping.group.is_null())
        .order_by(RoleMapping.detached_at.desc(), RoleMapping.id.desc())
    )


def _ids(*values: str | None) -> set[str]:
    return {value for value in values if value}
