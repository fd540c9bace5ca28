"""Failed migrations at Support's door: the inbox across organizations (the page and its
downloads are ``record_pages``, shared with Team's door) and the actions on one row,
which both doors' pages post to: retry, link, ignore, resolve."""

from urllib.parse import urlsplit

from flask import flash, redirect, request
from flask_login import current_user

from ..auth.views import safe_next
from ..domain import audit
from ..models import FailedMigration
from ..permissions import Action, requires
from ..tenancy import own
from . import actions, record_pages
from .views import bp


@record_pages.page_with_downloads(bp, "/support/failed-migrations", ".csv", ".json")
@requires(Action.VIEW_FAILED_MIGRATIONS)
def failed_migrations():
    return record_pages.failed_migrations_page()


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
def retry_failure(failure_id: int):
    failure = _own(failure_id)
    try:
        outcome = actions.retry(failure)
    except actions.ActionError as exc:
        return _done(failure, "retry_refused", str(exc), "error")
    return _done(failure, "retried", outcome, outcome=outcome)


@bp.post("/failed-migrations/<int:failure_id>/link")
@requires(Action.RESOLVE_FAILED_MIGRATIONS)
def link_failure(failure_id: int):
    failure = _own(failure_id)
    try:
        member = actions.link_to_existing(failure, actor=current_user._get_current_object())
    except actions.ActionError as exc:
        return _done(failure, "link_refused", str(exc), "error")
    return _done(failure, "linked", f"{member.email} is now managed by Okta.", member=member.id)


@bp.post("/failed-migrations/<int:failure_id>/ignore")
@requires(Action.RESOLVE_FAILED_MIGRATIONS)
def ignore_failure(failure_id: int):
    failure = _own(failure_id)
    note = request.form.get("note", "")
    try:
        actions.ignore(failure, note)
    except actions.ActionError as exc:
        return _done(failure, "ignore_refused", str(exc), "error")
    return _done(failure, "ignored", "Ignored.", note=note)


@bp.post("/failed-migrations/<int:failure_id>/resolve")
@requires(Action.RESOLVE_FAILED_MIGRATIONS)
def resolve_failure(failure_id: int):
    failure = _own(failure_id)
    try:
        actions.mark_resolved(failure, request.form.get("note", ""))
    except actions.ActionError as exc:
        return _done(failure, "resolve_refused", str(exc), "error")
    return _done(failure, "resolved", "Marked resolved.")
