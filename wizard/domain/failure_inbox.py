"""The failed-migrations inbox: filtered queries shared by the page and the downloads,
and a CSV that is safe to open in a spreadsheet."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw

from ..models import FailedMigration, Organization, SyncRun, fold
from .failure_reasons import FailureReason

STATUSES = ("open", "resolved", "ignored")
CSV_COLUMNS = (
    "organization",
    "user_name",
    "email",
    "name",
    "operation",
    "reason",
    "message",
    "source",
    "status",
    "first_seen",
    "last_seen",
    "attempts",
    "note",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Filters:
    organization: Organization | None = None  # None: every organization (staff only)
    reason: str = ""
    status: str = "open"
    since: date | None = None
    until: date | None = None
    search: str = ""

    @classmethod
    def from_args(cls, args, organization):
        def day(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        status = args.get("status", "open")
        return cls(
            organization=organization,
            reason=_reason(args.get("reason", "")),
            status=status if status in (*STATUSES, "all") else "open",
            since=day("since"),
            until=day("until"),
            search=args.get("q", "").strip()[:100],
        )


def _reason(value: str) -> str:
    """A reason the inbox offers, else no reason filter."""
    return value if value in {reason.value for reason in FailureReason.in_inbox()} else ""


def failure_query(filters: Filters):
    query = FailedMigration.select(FailedMigration, Organization).join(Organization)
    if filters.organization is not None:
        query = query.where(FailedMigration.organization == filters.organization)
    if filters.reason:
        query = query.where(FailedMigration.reason == filters.reason)
    if filters.status != "all":
        query = query.where(FailedMigration.status == filters.status)
    if filters.since:
        query = query.where(
            FailedMigration.last_seen >= datetime.combine(filters.since, datetime.min.time())
        )
    if filters.until:
        query = query.where(
            FailedMigration.last_seen
            < datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
        )
    if filters.search:
        key = fold(filters.search)
        query = query.where(
            FailedMigration.user_name_key.contains(key)
            | pw.fn.LOWER(FailedMigration.email).contains(key)
            | pw.fn.LOWER(FailedMigration.display_name).contains(key)
        )
    return query.order_by(FailedMigration.last_seen.desc(), FailedMigration.id.desc())


def connection_errors(organization: Organization | None, limit: int = 10):
    """Failed sync runs: one row per run, not per user (seed 003's connection errors)."""
    query = (
        SyncRun.select(SyncRun, Organization).join(Organization).where(SyncRun.status == "failed")
    )
    if organization is not None:
        query = query.where(SyncRun.organization == organization)
    return query.order_by(SyncRun.id.desc()).limit(limit)


def counts_by_organization_and_reason():
    """For staff: open failures per organization and reason."""
    return (
        FailedMigration.select(
            Organization.slug,
            FailedMigration.reason,
            pw.fn.COUNT(FailedMigration.id).alias("count"),
        )
        .join(Organization)
        .where(FailedMigration.status == "open")
        .group_by(Organization.slug, FailedMigration.reason)
        .order_by(Organization.slug, FailedMigration.reason)
        .tuples()
    )


def as_rows(query) -> list[dict]:
    return [
        {
            "organization": row.organization.slug,
            "user_name": row.user_name,
            "email": row.email,
            "name": row.display_name,
            "operation": row.operation,
            "reason": row.reason,
            "message": row.message,
            "source": row.source,
            "status": row.status,
            "first_seen": row.first_seen.isoformat() + "Z",
            "last_seen": row.last_seen.isoformat() + "Z",
            "attempts": row.attempts,
            "note": row.note,
        }
        for row in query
    ]


def spreadsheet_safe(value) -> str:
    """Cells starting with = + - @ are formulas to spreadsheets: prefix a quote (OWASP)."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([spreadsheet_safe(row[column]) for column in CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()  # the BOM makes spreadsheets read UTF-8
