"""Running a claimed sync to the end: record counts or the one failure reason, release
the lease. A connection error is one failed run, never a failed-migration row per user."""

import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app

from .. import directory
from ..db import database
from ..domain.session_records import Lifetimes, remove_finished
from ..models import (
    OktaApiConnection,
    OktaConnection,
    ScimEvent,
    ScimToken,
    SyncRun,
    utcnow,
)
from ..scim import request_log
from . import api_connection, runs, sync_scope
from .engine import run_sync
from .okta_api import OktaApiError

RUN_BUDGET_SECONDS = 900
SCIM_RETENTION = timedelta(days=30)
TICK_JOB = "sync-tick"


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def execute(run: SyncRun, *, budget_seconds: float = RUN_BUDGET_SECONDS) -> SyncRun:
    connection = OktaConnection.get(OktaConnection.organization == run.organization_id)
    client = None
    try:  # a service app without a usable key fails here: one failed run, like the rest
        client = api_connection.client_for(connection, budget_seconds=budget_seconds)
        # Checked first: without the feature every write would be refused, and the run
        # must end as a failure with the reason, never as an error out of the tick.
        directory.require_enterprise(connection.organization)
        sync_scope.settle(connection)  # whose people: picked, or the run is refused
        outcome = run_sync(run, connection, client)
    except (OktaApiError, directory.DirectoryError) as error:
        _finish(run, "failed", client.calls if client else 0, error=error.message)
    else:
        _finish(
            run,
            "succeeded",
            client.calls,
            counts=outcome.counts,
            drift=outcome.drift,
            held=outcome.held,
            preview=outcome.preview,
        )
        OktaApiConnection.update(last_used_at=utcnow()).where(
            OktaApiConnection.connection == connection.id
        ).execute()
    finally:
        runs.release(run.organization_id, run.lease_owner)
    return SyncRun.get_by_id(run.id)


def _finish(run: SyncRun, status: str, calls: int, **values) -> None:
    SyncRun.update(status=status, finished_at=utcnow(), api_calls=calls, **values).where(
        SyncRun.id == run.id
    ).execute()


def tick(now=None, owner: str | None = None) -> list[SyncRun]:
    """The scheduler's one job: queue due runs, then run what this process can claim."""
    owner = owner or owner_name()
    finished = []
    with database.connection_context():
        now = now or utcnow()
        housekeeping(now)
        runs.queue_due_runs(now)
        for _ in range(100):  # bounded: at most 100 runs per tick
            run = runs.claim(owner, now)
            if run is None:
                break
            finished.append(execute(run))
            now = utcnow()
    return finished


def housekeeping(now) -> dict:
    """Riding the same tick: SCIM request records past retention, tokens whose grace
    period ended marked revoked, expired links, seat retries, ended or expired session
    records, abandoned Okta sign-in states, and the verified domains due for their
    daily re-check."""
    request_log.flush()
    pruned = ScimEvent.delete().where(ScimEvent.created_at < now - SCIM_RETENTION).execute()
    expired = (
        ScimToken.update(revoked_at=now)
        .where(ScimToken.revoked_at.is_null() & (ScimToken.expires_at < now))
        .execute()
    )
    # Imported here: the support package imports the page modules, which import this one.
    from ..domain.email_domain_recheck import recheck_due
    from ..domain.setup_links import remove_expired
    from ..sso import oidc_state
    from ..support.actions import retry_license_limits

    return {
        "scim_events_pruned": pruned,
        "tokens_revoked": expired,
        "setup_links_removed": remove_expired(now),
        "license_limit_retries": retry_license_limits(),
        "sessions_removed": remove_finished(now, Lifetimes.from_config(current_app.config)),
        "sign_in_states_removed": oidc_state.remove_expired(now),
        "domains_rechecked": recheck_due(now),
    }


def install_embedded(app: Flask) -> None:
    """Development: run the scheduler inside the serving process. It starts on the first
    request, so CLI commands and the reloader's parent (which serve none) never start
    one, and a lock makes it start once."""
    state = {"scheduler": None}
    lock = threading.Lock()

    def start_once():
        if state["scheduler"] is None:
            with lock:
                if state["scheduler"] is None:
                    state["scheduler"] = _background_scheduler(app)

    app.before_request(start_once)
    app.extensions["sync_scheduler"] = state


def wake_embedded(app: Flask) -> None:
    """Development: a queued Sync now runs at the next second, not the next minute (in
    production the scheduler process claims it within a minute)."""
    state = app.extensions.get("sync_scheduler") or {}
    scheduler = state.get("scheduler")
    if scheduler is not None:
        scheduler.modify_job(TICK_JOB, next_run_time=datetime.now(UTC))


def _background_scheduler(app: Flask):
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = _with_tick(BackgroundScheduler(timezone="UTC"), app)
    scheduler.start()
    return scheduler


def run_blocking(app: Flask) -> None:
    """Production: ``flask --app app scheduler`` runs this alone, one process."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    _with_tick(BlockingScheduler(timezone="UTC"), app, next_run_time=utcnow()).start()


def _with_tick(scheduler, app: Flask, **options):
    """The one job, with an explicit id: a tick a minute, never two at once."""
    scheduler.add_job(
        _tick_in,
        "interval",
        args=[app],
        minutes=1,
        id=TICK_JOB,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        **options,
    )
    return scheduler


def _tick_in(app: Flask):
    with app.app_context():
        tick()
