"""Failed migrations: the organization admin's inbox (Team settings) and support's
inbox across organizations; downloads of exactly what the filters show; the actions."""

from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request
from flask_login import current_user
from playhouse.flask_utils import PaginatedQuery

from ..auth.views import safe_next
from ..domain import audit
from ..models import FailedMigration, Organization
from ..permissions import Action, requires
from ..tenancy import own
from . import actions, inbox
from .scoping import scope

bp = Blueprint("failures", __name__)
PAGE_SIZE = 50


def filters() -> inbox.Filters:
    return inbox.Filters.from_args(request.args, scope())


@bp.get("/team/failed-migrations")
@bp.get("/support/failed-migrations")
@requires(Action.VIEW_FAILED_MIGRATIONS)
def index():
    chosen = filters()
    if current_user.is_staff:
        audit.record_request(
            "staff.viewed_failed_migrations",
            organization=chosen.organization,
            details={"filters": request.args.to_dict()},
        )
    page = PaginatedQuery(inbox.failure_query(chosen), paginate_by=PAGE_SIZE, check_bounds=False)
    return render_template(
        "support/failed_migrations.html",
        page=page,
        filters=chosen,
        statuses=inbox.STATUSES,
        connection_errors=list(inbox.connection_errors(chosen.organization)),
        counts=list(inbox.counts_by_organization_and_reason()) if current_user.is_staff else [],
        organizations=(
            Organization.select().order_by(Organization.slug) if current_user.is_staff else []
        ),
    )


@bp.get("/team/failed-migrations.csv")
@bp.get("/support/failed-migrations.csv")
@requires(Action.VIEW_FAILED_MIGRATIONS)
def download_csv():
    rows = inbox.as_rows(inbox.failure_query(filters()))
    _audit_download("csv", len(rows))
    return Response(
        inbox.to_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=failed-migrations.csv"},
    )


@bp.get("/team/failed-migrations.json")
@bp.get("/support/failed-migrations.json")
@requires(Action.VIEW_FAILED_MIGRATIONS)
def download_json():
    rows = inbox.as_rows(inbox.failure_query(filters()))
    _audit_download("json", len(rows))
    return jsonify(failed_migrations=rows)


def _audit_download(kind: str, count: int) -> None:
    audit.record_request(
        "failed_migrations.downloaded",
        organization=scope(),
        details={"format": kind, "rows": count},
    )


def _own(failure_id: int) -> FailedMigration:
    """Staff act on any organization's failures (audited); an admin on their own only."""
    return own(FailedMigration, FailedMigration.id == failure_id, staff=True)


def _done(failure: FailedMigration, action: str, message: str, category="success", **details):
    audit.record_request(
        f"failed_migration.{action}",
        organization=failure.organization,
        target=failure,
        details={"user_name": failure.user_name, **details},
    )
    flash(message, category)
    return redirect(_back_to_inbox())


def _back_to_inbox() -> str:
    """The inbox page the action came from (filters kept), as a local path only: the
    Referer header is the client's word, so its host is never followed."""
    referrer = urlsplit(request.referrer or "")
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(back) or "/team/failed-migrations"


@bp.post("/failed-migrations/<int:failure_id>/retry")
@requires(Action.RESOLVE_FAILED_MIGRATIONS)
def retry(failure_id: int):
    failure = _own(failure_id)
    try:
        outcome = actions.retry(failure)
    except actions.ActionError as exc:
        return _done(failure, "retry_refused", str(exc), "error")
    return _done(failure, "retried", outcome, outcome=outcome)


@bp.post("/failed-migrations/<int:failure_id>/link")
@requires(Action.RESOLVE_FAILED_MIGRATIONS)
def link(failure_id: int):
    failure = _own(failure_id)
    try:
        member = actions.link_to_existing(failure, actor=current_user._get_current_object())
    except actions.ActionError as exc:
        return _done(failure, "link_refused", str(exc), "error")
    return _done(failure, "linked", f"{member.email} is now managed by Okta.", member=member.id)


@bp.post("/failed-migrations/<int:failure_id>/ignore")
@requires(Action.RESOLVE_FAILED_MIGRATIONS)
def ignore(failure_id: int):
    failure = _own(failure_id)
    note = request.form.get("note", "")
    try:
        actions.ignore(failure, note)
    except actions.ActionError as exc:
        return _done(failure, "ignore_refused", str(exc), "error")
    return _done(failure, "ignored", "Ignored.", note=note)


@bp.post("/failed-migrations/<int:failure_id>/resolve")
@requires(Action.RESOLVE_FAILED_MIGRATIONS)
def resolve(failure_id: int):
    failure = _own(failure_id)
    try:
        actions.mark_resolved(failure, request.form.get("note", ""))
    except actions.ActionError as exc:
        return _done(failure, "resolve_refused", str(exc), "error")
    return _done(failure, "resolved", "Marked resolved.")
