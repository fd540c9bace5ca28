"""The failed-migrations inbox and the audit log as pages, with their downloads: one
implementation behind two doors, Team's (``/team/...``, an organization's admins) and
Support's (``/support/...``, staff across organizations). Each door declares its own
routes (``page_with_downloads``) and calls these; the queries, filters and CSV are
``domain.failure_inbox`` and ``domain.audit_log``.

Staff reach both doors (``Rule.staff``) and see every organization's records, or the one
``?org=`` names; what staff look at is audited."""

from flask import Response, jsonify, render_template, request
from flask_login import current_user
from playhouse.flask_utils import PaginatedQuery

from ..domain import audit, audit_log, failure_inbox
from ..models import Organization
from ..tenancy import viewed_organization

FAILURES_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100


def page_with_downloads(bp, path: str, *suffixes: str):
    """Route ``path`` and its downloads (``path + ".csv"``...) on ``bp`` to one view; the
    page's rule comes first, so ``url_for`` builds the page's URL."""

    def register(view):
        for suffix in ("", *suffixes):
            bp.add_url_rule(path + suffix, view_func=view, methods=["GET"])
        return view

    return register


def failed_migrations_page():
    """The inbox, or exactly what its filters show at ``.csv`` and ``.json``."""
    kind = _download_format()
    if kind == "csv":
        return _attachment(failure_inbox.to_csv(_downloaded("csv")), "failed-migrations.csv")
    if kind == "json":
        return jsonify(failed_migrations=_downloaded("json"))
    chosen = _failure_filters()
    if current_user.is_staff:
        audit.record_request(
            "staff.viewed_failed_migrations",
            organization=chosen.organization,
            details={"filters": request.args.to_dict()},
        )
    query = failure_inbox.failure_query(chosen)
    staff = current_user.is_staff
    return render_template(
        "support/failed_migrations.html",
        page=PaginatedQuery(query, paginate_by=FAILURES_PAGE_SIZE, check_bounds=False),
        filters=chosen,
        statuses=failure_inbox.STATUSES,
        connection_errors=list(failure_inbox.connection_errors(chosen.organization)),
        counts=list(failure_inbox.counts_by_organization_and_reason()) if staff else [],
        organizations=Organization.select().order_by(Organization.slug) if staff else [],
    )


def _failure_filters() -> failure_inbox.Filters:
    return failure_inbox.Filters.from_args(request.args, viewed_organization())


def _downloaded(kind: str) -> list[dict]:
    chosen = _failure_filters()
    rows = failure_inbox.as_rows(failure_inbox.failure_query(chosen))
    audit.record_request(
        "failed_migrations.downloaded",
        organization=chosen.organization,
        details={"format": kind, "rows": len(rows)},
    )
    return rows


def audit_log_page():
    """The audit log, or exactly what its filters show at ``.csv``."""
    chosen = _audit_filters()
    if _download_format() == "csv":
        text = audit_log.to_csv(audit_log.events(chosen))
        audit.record_request("audit.downloaded", organization=chosen.organization)
        return _attachment(text, "audit-log.csv")
    if current_user.is_staff:
        audit.record_request("staff.viewed_audit_log", organization=chosen.organization)
    page = PaginatedQuery(audit_log.events(chosen), paginate_by=AUDIT_PAGE_SIZE, check_bounds=False)
    return render_template("support/audit.html", page=page, args=request.args)


def _audit_filters() -> audit_log.AuditFilters:
    return audit_log.AuditFilters.from_args(request.args, viewed_organization())


def _download_format() -> str:
    """``csv`` or ``json`` for a download's URL (``/team/audit.csv``), "" for the page."""
    last = request.path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[1] if "." in last else ""


def _attachment(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
