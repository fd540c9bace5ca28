"""Integrations > Okta API and Sync: the connection items, Test connection, the daily
schedule, Sync now, Pause/Resume, held deactivations, progress and history."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import permissions
from ..domain import audit, connections
from ..models import SyncRun, utcnow
from ..permissions import Action, requires
from ..tenancy import own
from . import api_connection, breaker, runs, service_app_keys
from .forms import ApiForm, ScheduleForm
from .health import idle_warning

bp = Blueprint("sync", __name__, url_prefix="/integrations/okta")
REVOKE_OLD_CREDENTIAL = (
    "The API token is no longer stored or used: revoke it in Okta (Security > API > Tokens)."
)


def connection():
    organization = current_user.organization
    if not organization.enterprise_enabled:
        abort(403)
    return connections.ensure_connection(organization)


@bp.route("/api", methods=["GET", "POST"])
@requires(Action.VIEW_SYNC)
def api():
    link = connection()
    form = ApiForm(
        org_url=link.api_org_url, app_id=link.sync_app_id, client_id=link.oauth_client_id
    )
    if request.method == "GET":
        form.auth.data = api_connection.chosen_auth(link)
    apps = (link.api_check or {}).get("apps", [])
    form.app_id.choices = [("", "Nobody yet (pick an app)")] + [(a["id"], a["label"]) for a in apps]
    if request.method == "POST":
        permissions.check(Action.CONFIGURE_OKTA_API)  # reading is for admins; saving is not
    if form.validate_on_submit():
        had_token = bool(link.api_token)
        link.sync_app_id = form.app_id.data or link.sync_app_id
        try:
            check = api_connection.save_and_check(
                link, form.auth.data, form.org_url.data, form.client_id.data, form.api_token.data
            )
        except api_connection.ApiSettingsError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            audit.record_request(
                "sync.api_tested",
                organization=link.organization,
                target=link,
                details={"ok": check["ok"], "auth": link.api_auth, "org_url": link.api_org_url},
            )
            flash(
                "Connection works." if check["ok"] else "The test found problems: see below.",
                "success" if check["ok"] else "error",
            )
            if had_token and not link.api_token:
                flash(REVOKE_OLD_CREDENTIAL, "info")
            return redirect(url_for("sync.api"))
    return render_template(
        "sync/api.html",
        connection=link,
        form=form,
        public_jwk=service_app_keys.public_jwk(link),
        check=link.api_check,
    )


@bp.post("/api/key")
@requires(Action.CONFIGURE_OKTA_API)
def api_key():
    """Make (or replace) the service app's key pair; its public half is shown to paste."""
    link = connection()
    replaced = bool(link.oauth_public_jwk)
    jwk = service_app_keys.create_key_pair(link)
    audit.record_request(
        "sync.service_app_key_created",
        organization=link.organization,
        target=link,
        details={"kid": jwk["kid"], "replaced": replaced},
    )
    flash(
        "New key pair made: add its public key in Okta (and delete the old one there), then "
        "test the connection."
        if replaced
        else "Key pair made: add its public key in Okta, as the steps below say.",
        "success",
    )
    return redirect(url_for("sync.api", _anchor="service-app"))


@bp.get("/sync")
@requires(Action.VIEW_SYNC)
def page():
    link = connection()
    history = list(
        SyncRun.select()
        .where(SyncRun.organization == link.organization)
        .order_by(SyncRun.id.desc())
        .limit(20)
    )
    latest = next((run for run in history if run.status == "succeeded"), None)
    return render_template(
        "sync/sync.html",
        connection=link,
        history=history,
        latest=latest,
        form=ScheduleForm(sync_time=link.sync_time, deactivation_limit=link.deactivation_limit),
        scheduler_running=current_app.config["SCHEDULER"] != "off",
        awaiting={run.id for run in history if breaker.awaits_decision(run)},
        idle_warning=idle_warning(link),
    )


@bp.get("/sync/status.json")
@requires(Action.VIEW_SYNC)
def status():
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


@bp.post("/sync/schedule")
@requires(Action.RUN_SYNC)
def schedule():
    link = connection()
    form = ScheduleForm()
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        return redirect(url_for("sync.page"))
    link.sync_time, link.deactivation_limit = form.sync_time.data, form.deactivation_limit.data
    link.save()
    audit.record_request(
        "sync.schedule_changed",
        organization=link.organization,
        target=link,
        details={"time": link.sync_time, "limit": link.deactivation_limit},
    )
    flash(f"The daily sync runs at {link.sync_time}.", "success")
    return redirect(url_for("sync.page"))


@bp.post("/sync/now")
@requires(Action.RUN_SYNC)
def run_now():
    return _queue_manual_run(dry_run=False)


@bp.post("/sync/dry-run")
@requires(Action.RUN_SYNC)
def dry_run():
    return _queue_manual_run(dry_run=True)


@bp.post("/sync/pause")
@requires(Action.RUN_SYNC)
def pause():
    return _set_paused(True)


@bp.post("/sync/resume")
@requires(Action.RUN_SYNC)
def resume():
    return _set_paused(False)


def _queue_manual_run(dry_run: bool):
    link = connection()
    if not link.api_connected:
        flash("Connect the Okta API first.", "error")
        return redirect(url_for("sync.api"))
    run = runs.queue(link.organization, "manual", dry_run=dry_run)  # or the one waiting
    flash("A dry run is queued." if run.dry_run else "Sync queued.", "info")
    action = "sync.dry_run" if dry_run else "sync.now"
    audit.record_request(action, organization=link.organization, target=link)
    return redirect(url_for("sync.page"))


def _set_paused(paused: bool):
    """Pause holds the daily schedule (Sync now still works); resume releases it."""
    link = connection()
    link.sync_paused_at = utcnow() if paused else None
    link.save()
    flash("Auto sync paused." if paused else "Auto sync resumed.", "success")
    action = "sync.pause" if paused else "sync.resume"
    audit.record_request(action, organization=link.organization, target=link)
    return redirect(url_for("sync.page"))


@bp.post("/sync/runs/<int:run_id>/held/<decision>")
@requires(Action.APPROVE_HELD_DEACTIVATIONS)
def held(run_id: int, decision: str):
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
    return redirect(url_for("sync.page"))
