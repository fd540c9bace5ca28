"""Team > Failed migrations and Team > Audit log, the organization's own records (the
pages and downloads are ``support.record_pages``, shared with Support's door), and one
member's timeline."""

from flask import render_template
from flask_login import current_user

from ..domain import audit
from ..domain.audit_log import timeline as timeline_of
from ..models import Member
from ..permissions import Action, requires
from ..support import record_pages
from ..tenancy import own
from .views import bp


@record_pages.page_with_downloads(bp, "/failed-migrations", ".csv", ".json")
@requires(Action.VIEW_FAILED_MIGRATIONS)
def failed_migrations():
    return record_pages.failed_migrations_page()


@record_pages.page_with_downloads(bp, "/audit", ".csv")
@requires(Action.VIEW_AUDIT_LOG)
def audit_log():
    return record_pages.audit_log_page()


@bp.get("/users/<member_id>/timeline")
@requires(Action.VIEW_AUDIT_LOG)
def timeline(member_id: str):
    """Everything that happened to one member, in order: "why was Jane deactivated?"."""
    member = own(Member, Member.scim_id == member_id, staff=True)
    if current_user.is_staff:
        audit.record_request(
            "staff.viewed_member_timeline", organization=member.organization, target=member
        )
    return render_template("team/timeline.html", member=member, entries=timeline_of(member))
