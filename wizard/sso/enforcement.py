"""Requiring Okta sign-in for an organization, with one break-glass admin (seed 001:
"all users will now be required to sign on via Okta")."""

from ..domain.roles import OrgRole
from ..models import Member, OktaConnection
from .configurations import live
from .members import JIT_ROLES


class EnforcementError(ValueError):
    pass


def break_glass_candidates(connection: OktaConnection):
    """Local admins with a password: the ones who could still get in if Okta is down."""
    return (
        Member.select()
        .where(
            (Member.organization == connection.organization)
            & Member.active
            & Member.password_hash.is_null(False)
            & Member.role.in_([OrgRole.ADMIN.value_name, OrgRole.ENTERPRISE_ADMIN.value_name])
        )
        .order_by(Member.email_key)
    )


def set_enforcement(
    connection: OktaConnection,
    *,
    enforced: bool,
    break_glass_id: int | None,
    jit: bool,
    jit_role: OrgRole | None = None,
) -> dict:
    """Apply the settings; refuses to enforce before a live configuration passed a test
    sign-in or without a break-glass admin, so nobody is locked out by a typo in the Okta
    settings. Just-in-time members get ``jit_role`` (at most User: never an admin role,
    whatever the claims say)."""
    break_glass = None
    if break_glass_id is not None:
        break_glass = break_glass_candidates(connection).where(Member.id == break_glass_id).first()
        if break_glass is None:
            raise EnforcementError("Choose a local admin of this organization as break-glass.")
    configuration = live(connection)
    if enforced and (configuration is None or configuration.tested_at is None):
        raise EnforcementError("Run a successful test sign-in before requiring Okta.")
    if jit_role is not None and jit_role not in JIT_ROLES:
        raise EnforcementError("Just-in-time members get no role, Read only or User.")
    if enforced and break_glass is None:
        raise EnforcementError("Choose a break-glass admin before requiring Okta.")
    policy = connection.sign_in_policy
    changes = {}
    for field, value in (
        ("sso_enforced", enforced),
        ("jit_enabled", jit),
        ("break_glass_id", break_glass.id if break_glass else None),
        ("jit_role", policy.jit_role if jit_role is None else jit_role.value_name),
    ):
        if getattr(policy, field) != value:
            changes[field] = {"from": getattr(policy, field), "to": value}
            setattr(policy, field, value)
    if break_glass is not None and not break_glass.keep_local:
        break_glass.keep_local = True  # Okta never changes the break-glass account
        break_glass.save()
    policy.save()
    return changes
