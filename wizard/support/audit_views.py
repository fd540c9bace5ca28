"""The audit log: every admin action, directory change from SCIM or sync, and staff
action, with filters and a CSV download; and one member's timeline."""

from datetime import date, datetime, timedelta

import peewee as pw
from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from playhouse.flask_utils import PaginatedQuery

from ..domain import audit
from ..models import AuditEvent, Member, Organization, ScimEvent, SyncRun
from ..permissions import Action, requires
from ..scim import request_log
from ..tenancy import own
from .inbox import spreadsheet_safe
from .scoping import scope

bp = Blueprint("auditlog", __name__)
COLUMNS = ("time", "organization", "actor", "action", "target", "details", "ip")


def events_query():
    organization = scope()
    query = AuditEvent.select(AuditEvent, Organization).join(Organization, pw.JOIN.LEFT_OUTER)
    if organization is not None:
        query = query.where(AuditEvent.organization == organization)
    action = request.args.get("action", "").strip()[:80]
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    actor = request.args.get("actor", "").strip()[:120]
    if actor:
        query = query.where(AuditEvent.actor_label.contains(actor))
    for name, compare in (
        ("since", lambda d: AuditEvent.created_at >= d),
        ("until", lambda d: AuditEvent.created_at < d + timedelta(days=1)),
    ):
        try:
            day = datetime.combine(
                date.fromisoformat(request.args.get(name, "")), datetime.min.time()
            )
        except ValueError:
            continue
        query = query.where(compare(day))
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


@bp.get("/team/audit")
@bp.get("/support/audit")
@requires(Action.VIEW_AUDIT_LOG)
def index():
    if current_user.is_staff:
        audit.record_request("staff.viewed_audit_log", organization=scope())
    page = PaginatedQuery(events_query(), paginate_by=100, check_bounds=False)
    return render_template("support/audit.html", page=page, args=request.args)


@bp.get("/team/audit.csv")
@bp.get("/support/audit.csv")
@requires(Action.VIEW_AUDIT_LOG)
def download():
    import csv
    import io
    import json

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for event in events_query().limit(100_000):
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    event.created_at.isoformat() + "Z",
                    event.organization.slug if event.organization_id else "",
                    event.actor_label,
                    event.action,
                    f"{event.target_type}:{event.target_id}",
                    json.dumps(event.details, sort_keys=True),
                    event.ip,
                )
            ]
        )
    audit.record_request("audit.downloaded", organization=scope())
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )


@bp.get("/team/users/<member_id>/timeline")
@requires(Action.VIEW_AUDIT_LOG)
def timeline(member_id: str):
    """Everything that happened to one member, in order: "why was Jane deactivated?"."""
    member = own(Member, Member.scim_id == member_id, staff=True)
    if current_user.is_staff:
        audit.record_request(
            "staff.viewed_member_timeline", organization=member.organization, target=member
        )
    request_log.flush()
    entries = [
        (
            e.created_at,
            "audit",
            e.action.replace("_", " ").replace(".", " "),
            f"by {e.actor_label}" + (f" · {e.details}" if e.details else ""),
        )
        for e in AuditEvent.select().where(
            (AuditEvent.target_type == "member") & (AuditEvent.target_id == str(member.id))
        )
    ]
    entries += [
        (
            e.created_at,
            "scim",
            f"{e.method} {e.path.split('/', 4)[-1]}",
            f"answered {e.status}" + (f": {e.error}" if e.error else ""),
        )
        for e in ScimEvent.select().where(ScimEvent.resource_id == member.scim_id)
    ]
    runs = SyncRun.select().where(
        (SyncRun.organization == member.organization_id)
        & (SyncRun.status == "succeeded")
        & (SyncRun.started_at >= member.created_at)
    )
    entries += [(r.started_at, "sync", f"sync run {r.id}", "ran") for r in runs.limit(20)]
    entries.sort(key=lambda entry: entry[0])
    return render_template("support/timeline.html", member=member, entries=entries)
