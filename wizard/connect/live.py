"""What the wizard's live panels show: SCIM traffic as it arrives (polled as JSON)."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import peewee as pw

from ..domain.failure_reasons import FailureReason
from ..domain.sources import Source
from ..models import (
    AuditEvent,
    FailedMigration,
    Group,
    Member,
    Membership,
    OktaConnection,
    ScimEvent,
    SyncRun,
    utcnow,
)
from ..scim import request_log
from ..sync.health import idle_warning

RECENT = 5


def _local(moment, timezone: str) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def provisioning_status(connection: OktaConnection) -> dict:
    timezone = connection.organization.timezone
    request_log.flush()
    verified = (
        ScimEvent.select(pw.fn.MAX(ScimEvent.created_at))
        .where((ScimEvent.connection == connection) & ScimEvent.authenticated)
        .scalar()
    )
    failed = connection.scim_health.last_auth_failure_at
    if failed is not None and verified is not None and failed < verified:
        failed = None  # an older failure no longer matters once Okta got in
    return {
        "verified": verified is not None,
        "verified_at": _local(verified, timezone),
        "failed_at": _local(failed, timezone),
    }


def received_users(connection: OktaConnection) -> dict:
    organization = connection.organization
    query = Member.select().where(
        (Member.organization == organization) & (Member.managed_by == Source.SCIM)
    )
    recent = query.order_by(Member.created_at.desc(), Member.id.desc()).limit(RECENT)
    return {
        "count": query.count(),
        "recent": [member.full_name or member.email for member in recent],
    }


def pushed_groups(connection: OktaConnection) -> dict:
    organization = connection.organization
    count = Membership.select(pw.fn.COUNT(Membership.id)).where(Membership.group == Group.id)
    groups = (
        Group.select(Group.display_name, count.alias("members"))
        .where((Group.organization == organization) & (Group.managed_by == Source.SCIM))
        .order_by(Group.name_key)
        .limit(50)
        .dicts()
    )
    unknown = (
        FailedMigration.select()
        .where(
            (FailedMigration.organization == organization)
            & (FailedMigration.reason == FailureReason.UNKNOWN_MEMBER)
            & (FailedMigration.status == "open")
        )
        .count()
    )
    return {
        "groups": [{"name": g["display_name"], "members": g["members"]} for g in groups],
        "unknown_members": unknown,
    }


def traffic_warnings(connection: OktaConnection) -> list[str]:
    """Okta settings the traffic contradicts (step 5's checklist)."""
    organization = connection.organization
    warnings = []
    odd = (
        Member.select()
        .where(
            (Member.organization == organization)
            & (Member.managed_by == Source.SCIM)
            & ~Member.user_name_key.contains("@")
        )
        .count()
    )
    if odd:
        warnings.append(
            f"{odd} user(s) arrived with a username that is not an email: set "
            "Sign On > Application username format to Email."
        )
    mismatched = (
        Member.select()
        .where(
            (Member.organization == organization)
            & (Member.managed_by == Source.SCIM)
            & Member.user_name_key.contains("@")
            & (Member.user_name_key != Member.email_key)
        )
        .count()
    )
    if mismatched:
        warnings.append(
            f"{mismatched} user(s) have a username that differs from their email: "
            "keep them identical in Okta."
        )
    if connection.scim_health.password_push_seen_at is not None:
        warnings.append(
            "Okta sent a password in an update: turn Sync Password off "
            "(Provisioning > To App). We never store it."
        )
    return warnings


def snapshot(connection: OktaConnection) -> dict:
    return {
        "provisioning": provisioning_status(connection),
        "users": received_users(connection),
        "groups": pushed_groups(connection),
        "warnings": traffic_warnings(connection),
        "generated_at": utcnow().isoformat() + "Z",
    }


def connection_health(connection: OktaConnection) -> dict:
    """The status card: SCIM traffic and errors in the last 24 h, break-glass uses."""
    since = utcnow() - timedelta(hours=24)
    request_log.flush()
    recent = ScimEvent.select().where(
        (ScimEvent.connection == connection) & (ScimEvent.created_at >= since)
    )
    break_glass = AuditEvent.select().where(
        (AuditEvent.organization == connection.organization)
        & (AuditEvent.action == "auth.break_glass_used")
    )
    last_use = break_glass.order_by(AuditEvent.created_at.desc()).first()
    return {
        "requests": recent.count(),
        "errors": recent.where(ScimEvent.status >= 400).count(),
        "break_glass_uses": break_glass.count(),
        "break_glass_last": last_use.created_at if last_use else None,
        "throttled": connection.scim_health.throttled_requests,
        "throttled_at": connection.scim_health.last_throttled_at,
        "throttled_ip": connection.scim_health.last_throttled_ip,
        "api_warning": idle_warning(connection),
        **provisioning_status(connection),
    }


def latest_drift(connection: OktaConnection) -> list[dict]:
    """What the latest successful sync found SCIM should have done (step 6)."""
    run = (
        SyncRun.select()
        .where((SyncRun.organization == connection.organization) & (SyncRun.status == "succeeded"))
        .order_by(SyncRun.id.desc())
        .first()
    )
    return run.drift if run else []
