"""The sync's groups: each Okta group in the directory, with the members Okta lists."""

from .. import directory
from ..db import write_transaction
from ..domain.sources import Source
from ..models import Group, Member
from .okta_state import OktaState
from .outcome import Outcome


def sync_groups(connection, state: OktaState, outcome: Outcome, *, actor_label: str) -> None:
    """Okta's groups as sync-managed groups with Okta's members; a group Okta pushes by
    SCIM keeps the membership the push gives it."""
    organization = connection.organization
    member_ids = dict(
        Member.select(Member.okta_id, Member.id)
        .where((Member.organization == organization) & Member.okta_id.is_null(False))
        .tuples()
    )
    by_okta_id = {
        group.okta_id: group
        for group in Group.select().where(
            (Group.organization == organization) & Group.okta_id.is_null(False)
        )
    }
    for okta_group in state.groups:
        group = by_okta_id.get(okta_group["id"])
        name = (okta_group.get("profile") or {}).get("name") or okta_group["id"]
        with write_transaction(organization):
            if group is None:
                group, linked = directory.create_or_link_group(
                    organization,
                    name,
                    external_id=None,
                    managed_by=Source.SYNC,
                    actor_label=actor_label,
                    okta_id=okta_group["id"],
                )
                outcome.counts["groups_created"] += 0 if linked else 1
            if group.managed_by != Source.SYNC:
                continue  # a pushed (SCIM) group: membership is Okta's push to make
            wanted = {member_ids[u] for u in state.members_of[okta_group["id"]] if u in member_ids}
            if directory.replace_members(
                group, wanted, managed_by=Source.SYNC, actor_label=actor_label
            ):
                outcome.counts["memberships_changed"] += 1
