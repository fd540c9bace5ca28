"""The audit trail: who did what to which thing, from where."""

import json

import peewee as pw
from flask import g, has_request_context, request
from flask_login import current_user

from ..bulk_insert import insert_rows
from ..models import AuditEvent, Member, Organization, utcnow
from ..prepared import Prepared


def record(
    action: str,
    *,
    organization: Organization | None,
    actor: Member | None = None,
    actor_label: str | None = None,
    target=None,
    details: dict | None = None,
    ip: str = "",
) -> None:
    """Store one audit event. ``target`` is a model instance (its type and id are kept)."""
    _INSERT_EVENT.run(
        organization.id if organization is not None else None,
        actor.id if actor is not None else None,
        actor_label or (actor.email if actor else "system"),
        action,
        type(target).__name__.lower() if target is not None else "",
        str(target.id) if target is not None else "",
        json.dumps(details or {}, sort_keys=True),
        ip,
        utcnow(),
    )


def record_many(
    action: str, *, organization: Organization, actor_label: str, targets: list[tuple]
) -> None:
    """One event per ``(target type, target id, details)``, inserted together (bulk
    creates by the sync)."""
    now = utcnow()
    rows = [
        {
            "organization": organization.id,
            "actor": None,
            "actor_label": actor_label,
            "action": action,
            "target_type": target_type,
            "target_id": str(target_id),
            "details": details or {},
            "ip": "",
            "created_at": now,
        }
        for target_type, target_id, details in targets
    ]
    insert_rows(AuditEvent, rows)  # COPY on PostgreSQL, one prepared INSERT on SQLite


_FIELDS = (
    "organization", "actor", "actor_label", "action", "target_type", "target_id", "details",
    "ip", "created_at",
)  # fmt: skip
# Every SCIM write records an event: compiled once (wizard/prepared.py), values bound bare.
_INSERT_EVENT = Prepared(
    lambda *values: AuditEvent.insert(
        {name: pw.Value(value, unpack=False) for name, value in zip(_FIELDS, values, strict=True)}
    ),
    *([str] * len(_FIELDS)),
)


def record_request(action: str, *, organization, target=None, details=None) -> None:
    """``record`` for a view: the signed-in member and client address come from the request."""
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    link = g.get("setup_link") if has_request_context() else None
    label = f"setup link {link.id}" if actor is None and link is not None else None
    ip = request.remote_addr or "" if has_request_context() else ""
    record(
        action,
        organization=organization,
        actor=actor,
        actor_label=label,
        target=target,
        details=details,
        ip=ip,
    )
