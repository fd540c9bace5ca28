"""The audit log as people read it: the filtered trail (one organization's, or every
organization's for staff), its CSV download, and one member's timeline. The trail itself
is written by ``audit``; Team > Audit log and support's audit log both read it here."""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw

from ..models import AuditEvent, Member, Organization, ScimEvent, SyncRun
from ..scim import request_log
from .failure_inbox import spreadsheet_safe

CSV_COLUMNS = ("time", "organization", "actor", "action", "target", "details", "ip")
CSV_ROWS_MAX = 100_000


@dataclass
class AuditFilters:
    organization: Organization | None = None  # None: every organization (staff only)
    action: str = ""  # prefix: "member." or "sso."
    actor: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args, organization: Organization | None) -> "AuditFilters":
        def day(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        return cls(
            organization=organization,
            action=args.get("action", "").strip()[:80],
            actor=args.get("actor", "").strip()[:120],
            since=day("since"),
            until=day("until"),
        )


def events(filters: AuditFilters):
    query = AuditEvent.select(AuditEvent, Organization).join(Organization, pw.JOIN.LEFT_OUTER)
    if filters.organization is not None:
        query = query.where(AuditEvent.organization == filters.organization)
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action))
    if filters.actor:
        query = query.where(AuditEvent.actor_label.contains(filters.actor))
    if filters.since:
        query = query.where(AuditEvent.created_at >= _midnight(filters.since))
    if filters.until:
        query = query.where(AuditEvent.created_at < _midnight(filters.until + timedelta(days=1)))
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def to_csv(query) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in query.limit(CSV_ROWS_MAX):
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
    return "\ufeff" + buffer.getvalue()  # the BOM makes spreadsheets read UTF-8


def timeline(member: Member) -> list[tuple]:
    """Everything that happened to one member, in order: "why was Jane deactivated?".
    Each entry is (when, kind, what, detail); kind is audit, scim or sync."""
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
    request_log.flush()  # this process's queued requests are on the timeline too
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
    return entries
