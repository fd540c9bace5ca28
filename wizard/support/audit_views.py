"""The audit log at Support's door (every organization's, or ``?org=``'s); the page and
its CSV are ``record_pages``, shared with Team's door."""

from ..permissions import Action, requires
from . import record_pages
from .views import bp


@record_pages.page_with_downloads(bp, "/support/audit", ".csv")
@requires(Action.VIEW_AUDIT_LOG)
def audit_log():
    return record_pages.audit_log_page()
