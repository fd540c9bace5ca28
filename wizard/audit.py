"""The audit trail: who did what to which thing, from where."""

from flask import g, has_request_context, request
from flask_login import current_user

from .models import AuditEvent, Member, Organization


def record(
    action: str,
    *,
    organization: Organization | None,
    actor: Member | None = None,
    actor_label: str | None = None,
    target=None,
    details: dict | None = None,
    ip: str = "",
) -> AuditEvent:
    """Store one audit event. ``target`` is a model instance (its type and id are kept)."""
    return AuditEvent.create(
        organization=organization,
        actor=actor,
        actor_label=actor_label or (actor.email if actor else "system"),
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(target.id) if target is not None else "",
        details=details or {},
        ip=ip,
    )


def record_request(action: str, *, organization, target=None, details=None) -> AuditEvent:
    """``record`` for a view: the signed-in member and client address come from the request."""
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    link = g.get("setup_link") if has_request_context() else None
    label = f"setup link {link.id}" if actor is None and link is not None else None
    ip = request.remote_addr or "" if has_request_context() else ""
    return record(
        action,
        organization=organization,
        actor=actor,
        actor_label=label,
        target=target,
        details=details,
        ip=ip,
    )
