"""Sync runs and the lease that makes each organization's sync run once at a time.

The lease lives on the organization's connection row and is taken with one conditional
UPDATE, which both SQLite and PostgreSQL apply atomically: two schedulers (or *Sync now*
during a scheduled run) cannot both win. A run whose lease lapses was killed; the next
tick marks it failed and the next run, being idempotent, finishes the work.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..models import OktaConnection, Organization, SyncRun, utcnow

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
        taken = (
            OktaConnection.update(sync_lease_owner=owner, sync_lease_expires_at=now + LEASE)
            .where(
                (OktaConnection.organization == run.organization_id)
                & (
                    OktaConnection.sync_lease_expires_at.is_null()
                    | (OktaConnection.sync_lease_expires_at < now)
                )
            )
            .execute()
        )
        if not taken:
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


def heartbeat(run: SyncRun, done: int, total: int, now: datetime | None = None) -> None:
    now = now or utcnow()
    SyncRun.update(progress_done=done, progress_total=total, lease_expires_at=now + LEASE).where(
        SyncRun.id == run.id
    ).execute()
    OktaConnection.update(sync_lease_expires_at=now + LEASE).where(
        (OktaConnection.organization == run.organization_id)
        & (OktaConnection.sync_lease_owner == run.lease_owner)
    ).execute()


def release(organization_id: int, owner: str) -> None:
    OktaConnection.update(sync_lease_owner="", sync_lease_expires_at=None).where(
        (OktaConnection.organization == organization_id)
        & (OktaConnection.sync_lease_owner == owner)
    ).execute()


def due_at(connection: OktaConnection, now: datetime) -> datetime:
    """Today's scheduled time (the organization's time zone) in naive UTC."""
    zone = ZoneInfo(connection.organization.timezone)
    hour, minute = (int(part) for part in connection.sync_time.split(":"))
    local_now = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    local_due = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local_due.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def queue_due_runs(now: datetime) -> list[SyncRun]:
    """Queue today's scheduled run for every organization that has none yet."""
    queued = []
    connections = OktaConnection.select().where(
        OktaConnection.api_connected_where() & OktaConnection.sync_paused_at.is_null()
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
