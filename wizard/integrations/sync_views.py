"""Integrations > Okta > Okta API & sync, the sync: the daily schedule, Sync now, dry
run, Pause/Resume, held deactivations, progress and history."""

from flask import abort, current_app, flash, jsonify, redirect, url_for
from flask_login import current_user

from ..domain import audit
from ..models import SyncRun, utcnow
from ..permissions import Action, requires
from ..sync import breaker, jobs, runs, sync_scope
from ..sync.health import idle_warning
from ..sync.okta_api import OktaApiError
from ..tenancy import own
from .blueprint import bp
from .gate import connection
from .sync_forms import ScheduleForm
from .tabs import hub_page


@bp.get("/okta/sync")
@requires(Action.VIEW_SYNC)
def sync_page():
    link = connection()
    history = list(
        SyncRun.select()
        .where(SyncRun.organization == link.organization)
        .order_by(SyncRun.id.desc())
        .limit(20)
    )
    latest = next((run for run in history if run.status == "succeeded"), None)
    return hub_page(
        "api",
        "integrations/sync.html",
        connection=link,
        history=history,
        latest=latest,
        form=ScheduleForm(
            sync_time=link.sync_settings.daily_at,
            deactivation_limit=link.sync_settings.deactivation_limit,
        ),
        scheduler_running=current_app.config["SCHEDULER"] != "off",
        awaiting={run.id for run in history if breaker.awaits_decision(run)},
        idle_warning=idle_warning(link),
    )


@bp.get("/okta/sync/status.json")
@requires(Action.VIEW_SYNC)
def sync_status():
    run = (
        SyncRun.select()
        .where(SyncRun.organization == current_user.organization)
        .order_by(SyncRun.id.desc())
        .first()
    )
    if run is None:
        return jsonify(run=None)
    return jsonify(
        run={
            "id": run.id,
            "status": run.status,
            "done": run.progress_done,
            "total": run.progress_total,
            "counts": run.counts,
            "error": run.error or None,
        }
    )


@bp.post("/okta/sync/schedule")
@requires(Action.RUN_SYNC)
def sync_schedule():
    link = connection()
    form = ScheduleForm()
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        return redirect(url_for("integrations.sync_page"))
    link.sync_settings.daily_at, link.sync_settings.deactivation_limit = (
        form.sync_time.data,
        form.deactivation_limit.data,
    )
    link.save()
    audit.record_request(
        "sync.schedule_changed",
        organization=link.organization,
        target=link,
        details={
            "time": link.sync_settings.daily_at,
            "limit": link.sync_settings.deactivation_limit,
        },
    )
    flash(f"The daily sync runs at {link.sync_settings.daily_at}.", "success")
    return redirect(url_for("integrations.sync_page"))


@bp.post("/okta/sync/now")
@requires(Action.RUN_SYNC)
def sync_now():
    return _queue_manual_run(dry_run=False)


@bp.post("/okta/sync/dry-run")
@requires(Action.RUN_SYNC)
def sync_dry_run():
    return _queue_manual_run(dry_run=True)


@bp.post("/okta/sync/pause")
@requires(Action.RUN_SYNC)
def sync_pause():
    return _set_paused(True)


@bp.post("/okta/sync/resume")
@requires(Action.RUN_SYNC)
def sync_resume():
    return _set_paused(False)


def _queue_manual_run(dry_run: bool):
    link = connection()
    if not link.api.connected:
        flash("Connect the Okta API first.", "error")
        return redirect(url_for("integrations.api"))
    try:
        sync_scope.settle(link)
    except OktaApiError as refused:  # no app picked and nothing to tell whose people
        flash(refused.message, "error")
        return redirect(url_for("integrations.api", _anchor="app_id"))
    run = runs.queue(link.organization, "manual", dry_run=dry_run)  # or the one waiting
    jobs.wake_embedded(current_app)  # development: the in-process scheduler runs it now
    flash("A dry run is queued." if run.dry_run else "Sync queued.", "info")
    action = "sync.dry_run" if dry_run else "sync.now"
    audit.record_request(action, organization=link.organization, target=link)
    return redirect(url_for("integrations.sync_page"))


def _set_paused(paused: bool):
    """Pause holds the daily schedule (Sync now still works); resume releases it."""
    link = connection()
    link.sync_settings.paused_at = utcnow() if paused else None
    link.save()
    flash("Auto sync paused." if paused else "Auto sync resumed.", "success")
    action = "sync.pause" if paused else "sync.resume"
    audit.record_request(action, organization=link.organization, target=link)
    return redirect(url_for("integrations.sync_page"))


@bp.post("/okta/sync/runs/<int:run_id>/held/<decision>")
@requires(Action.APPROVE_HELD_DEACTIVATIONS)
def sync_held(run_id: int, decision: str):
    connection()  # 403 without the Enterprise feature, as every sync page
    run = own(SyncRun, SyncRun.id == run_id)
    if decision not in ("approve", "discard"):
        abort(404)
    details = {"count": len(run.held)}
    if decision == "approve":
        if not breaker.awaits_decision(run):
            abort(409)  # a dry run's plan, or a hold a later run replaced
        details["deactivated"] = breaker.approve(run, actor_label=current_user.email)
    audit.record_request(
        f"sync.held_{decision}d", organization=run.organization, target=run, details=details
    )
    run.held = []
    run.save()
    flash(
        "Deactivations applied." if decision == "approve" else "Deactivations discarded.", "success"
    )
    return redirect(url_for("integrations.sync_page"))
