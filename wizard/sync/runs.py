"""Sync runs and the lease that makes each organization's sync run once at a time.

The lease is the organization's ``sync_lease`` row, taken with one conditional UPDATE,
which both SQLite and PostgreSQL apply atomically: two schedulers (or *Sync now* during
a scheduled run) cannot both win. A run whose lease lapses was killed; the next tick
marks it failed and the next run, being idempotent, finishes the work.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..models import (
    OktaApiConnection,
    OktaConnection,
    Organization,
    SyncLease,
    SyncRun,
    SyncSettings,
    utcnow,
)

LEASE = timedelta(minutes=2)
KILLED = "The run stopped without finishing (its process ended); the next run completes it."


def queue(organization: Organization, trigger: str, *, dry_run: bool = False) -> SyncRun:
    """Queue a run, or return the one already waiting (double clicks queue one run)."""
    waiting = SyncRun.get_or_none(
        (SyncRun.organization == organization)
        & (SyncRun.status == "queued")
        & (SyncRun.dry_run == dry_run)
    )
    return waiting or SyncRun.create(organization=organization, trigger=trigger, dry_run=dry_run)


def expire_killed_runs(now: datetime) -> int:
    """Runs whose lease lapsed: marked failed with the reason."""
    return (
        SyncRun.update(status="failed", finished_at=now, error=KILLED)
        .where((SyncRun.status == "running") & (SyncRun.lease_expires_at < now))
        .execute()
    )


def claim(owner: str, now: datetime, organization: Organization | None = None) -> SyncRun | None:
    """The oldest queued run (of ``organization`` only, when given: the CLI runs one
    organization's sync) whose organization's lease this owner could take."""
    expire_killed_runs(now)
    queued = SyncRun.select().where(SyncRun.status == "queued").order_by(SyncRun.queued_at)
    if organization is not None:
        queued = queued.where(SyncRun.organization == organization)
    # Read them all first: on SQLite, an UPDATE while this SELECT's rows are still being
    # read upgrades a read snapshot, and if another scheduler committed meanwhile SQLite
    # answers "database is locked" at once instead of waiting.
    for run in list(queued.limit(50)):
        if not take_lease(run.organization_id, owner, now):
            continue
        started = (
            SyncRun.update(
                status="running", started_at=now, lease_owner=owner, lease_expires_at=now + LEASE
            )
            .where((SyncRun.id == run.id) & (SyncRun.status == "queued"))
            .execute()
        )
        if started:
            return SyncRun.get_by_id(run.id)
        release(run.organization_id, owner)
    return None


def take_lease(organization_id: int, owner: str, now: datetime) -> bool:
    """Whether ``owner`` took the organization's lease: free or lapsed, it is taken by
    one conditional UPDATE, so of two takers at once exactly one wins."""
    return bool(
        SyncLease.update(owner=owner, expires_at=now + LEASE)
        .where(
            _lease_of(organization_id)
            & (SyncLease.expires_at.is_null() | (SyncLease.expires_at < now))
        )
        .execute()
    )


def heartbeat(run: SyncRun, done: int, total: int, now: datetime | None = None) -> None:
    now = now or utcnow()
    SyncRun.update(progress_done=done, progress_total=total, lease_expires_at=now + LEASE).where(
        SyncRun.id == run.id
    ).execute()
    SyncLease.update(expires_at=now + LEASE).where(
        _lease_of(run.organization_id) & (SyncLease.owner == run.lease_owner)
    ).execute()


def release(organization_id: int, owner: str) -> None:
    SyncLease.update(owner="", expires_at=None).where(
        _lease_of(organization_id) & (SyncLease.owner == owner)
    ).execute()


def _lease_of(organization_id: int):
    """The organization's lease row, as a condition inside the one UPDATE (a subquery:
    reading the connection's id first would split the claim into two statements)."""
    connection = OktaConnection.select(OktaConnection.id).where(
        OktaConnection.organization == organization_id
    )
    return SyncLease.connection.in_(connection)


def due_at(connection: OktaConnection, now: datetime) -> datetime:
    """Today's scheduled time (the organization's time zone) in naive UTC."""
    zone = ZoneInfo(connection.organization.timezone)
    hour, minute = (int(part) for part in connection.sync_settings.daily_at.split(":"))
    local_now = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    local_due = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local_due.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def queue_due_runs(now: datetime) -> list[SyncRun]:
    """Queue today's scheduled run for every organization that has none yet."""
    queued = []
    connections = (
        OktaConnection.select(OktaConnection, SyncSettings)
        .join(
            SyncSettings,
            on=(SyncSettings.connection == OktaConnection.id),
            attr=SyncSettings.cache_key(),
        )
        .switch(OktaConnection)
        .join(OktaApiConnection, on=(OktaApiConnection.connection == OktaConnection.id))
        .where(OktaApiConnection.connected_where() & SyncSettings.paused_at.is_null())
    )
    for connection in connections:
        due = due_at(connection, now)
        if now < due:
            continue
        already = (
            SyncRun.select()
            .where(
                (SyncRun.organization == connection.organization_id)
                & (SyncRun.trigger == "schedule")
                & (SyncRun.queued_at >= due)
            )
            .exists()
        )
        if not already:
            queued.append(queue(connection.organization, "schedule"))
    return queued
