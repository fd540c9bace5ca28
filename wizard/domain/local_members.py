"""What an admin changes by hand on one member of their organization: the organization
role (a ``manual`` grant), a one-time password link, and *keep local*.

Nobody grants more than they hold (``permissions.may_grant``), and nobody changes a
member whose role is at least their own (``permissions.may_manage``). An EnterpriseAdmin
may do both, but the organization always keeps one active EnterpriseAdmin. Only locally
managed members are changed here: Okta decides for the members it manages.
"""

from ..db import database
from ..directory import grants
from ..models import Member, OktaConnection
from ..permissions import may_grant, may_manage
from . import password_links
from .roles import OrgRole
from .sources import Source


class ChangeRefused(ValueError):
    """A refused change; ``status`` 403 when the target is out of the actor's reach."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def assignable_roles(actor, member: Member) -> list[OrgRole]:
    """The roles ``actor`` may give ``member`` by hand; empty when they may give none."""
    if member.managed_by != Source.LOCAL or not may_manage(actor, member):
        return []
    return [role for role in OrgRole if may_grant(actor, role)]


def set_org_role(member: Member, role: OrgRole, *, actor) -> dict | None:
    """Give ``member`` the organization role ``role`` by hand; returns the change of
    effective role ({"from", "to"}) or None when nothing changed."""
    _require_reach(actor, member)
    if member.managed_by != Source.LOCAL:
        raise ChangeRefused("Okta manages this member's role: change it in Okta.")
    if not may_grant(actor, role):
        raise ChangeRefused(
            f"You cannot give the {role.label} role: nobody gives a role above their own."
        )
    before = member.org_role
    if before is OrgRole.ENTERPRISE_ADMIN and role is not before and _last_owner(member):
        raise ChangeRefused(
            "This is the last Enterprise admin of the organization: make someone else "
            "Enterprise admin first."
        )
    with database.atomic():
        if not grants.set_manual_role(member, role):
            return None
        password_links.void_for(member)  # issued for the role they had, shown to whoever
    after = Member.get_by_id(member.id).org_role
    return None if after is before else {"from": before.value_name, "to": after.value_name}


def send_password_link(member: Member, *, actor) -> password_links.IssuedLink:
    """A one-time link to set a new password, delivered as ``password_links`` decides."""
    _require_reach(actor, member)
    if member.managed_by != Source.LOCAL:
        raise ChangeRefused("This member signs in with Okta: their password is Okta's.")
    if not member.active:
        raise ChangeRefused("This member is deactivated: reactivate them first.")
    return password_links.issue(member, actor=actor, reason=password_links.Reason.RESET)


def set_keep_local(member: Member, keep_local: bool, *, actor) -> bool:
    """Turn *keep local* on or off (SCIM neither sees nor changes a kept-local member);
    True when it changed."""
    _require_reach(actor, member)
    if member.keep_local == keep_local:
        return False
    if keep_local and member.managed_by != Source.LOCAL:
        raise ChangeRefused("Okta manages this member: convert them to local management first.")
    if not keep_local and _is_break_glass(member):
        raise ChangeRefused(
            "This is the break-glass admin, who stays kept local: choose another one first."
        )
    Member.update(keep_local=keep_local).where(Member.id == member.id).execute()
    member.keep_local = keep_local
    return True


def _require_reach(actor, member: Member) -> None:
    if not may_manage(actor, member):
        raise ChangeRefused(
            f"{member.email} has the {member.org_role.label} role: only someone with a "
            "higher role (an Enterprise admin) may change this member.",
            status=403,
        )


def _last_owner(member: Member) -> bool:
    others = Member.select().where(
        (Member.organization == member.organization_id)
        & (Member.id != member.id)
        & Member.active
        & (Member.role == OrgRole.ENTERPRISE_ADMIN.value_name)
    )
    return not others.exists()


def _is_break_glass(member: Member) -> bool:
    connection = OktaConnection.get_or_none(OktaConnection.organization == member.organization_id)
    return connection is not None and connection.sign_in_policy.break_glass_id == member.id
