"""Every SCIM request is recorded: time, method, path, status, latency, token, client
IP, error detail and the body with secrets removed. The wizard's live panel, support's
request log and each member's timeline read it; ``scim prune`` enforces retention."""

import json
import time

import peewee as pw
from flask import current_app, g, request

from ..domain.redaction import redact
from ..models import ScimEvent, utcnow
from ..prepared import Prepared

MAX_BODY = 8_000


def start_timer():
    if request.path.startswith("/scim/"):
        g.scim_started = time.perf_counter()


def record(response):
    connection = g.get("scim_connection")
    if connection is None or "scim_started" not in g:
        return response  # unknown keys are not logged: nobody's log to fill
    if g.get("scim_not_logged"):
        return response  # throttled: counted on the connection instead (blueprint.py)
    resource_type, resource_id = g.get("scim_resource", ("", ""))
    token = g.get("scim_token")
    _INSERT_EVENT.run(
        connection.organization_id,
        connection.id,
        token.id if token is not None else None,
        request.method,
        request.path[:500],
        request.query_string.decode("utf-8", "replace")[:1000],
        response.status_code,
        round((time.perf_counter() - g.scim_started) * 1000, 2),
        request.remote_addr or "",
        token is not None,
        getattr(response, "error_detail", "")[:2000],
        _redacted_body(),
        resource_type,
        resource_id,
        utcnow(),
    )
    return response


_FIELDS = (
    "organization", "connection", "token", "method", "path", "query", "status", "latency_ms",
    "ip", "authenticated", "error", "body", "resource_type", "resource_id", "created_at",
)  # fmt: skip
_INSERT_EVENT = Prepared(
    # Bare values (no field conversion): every value below is already what the column takes.
    lambda *values: ScimEvent.insert(
        {name: pw.Value(value, unpack=False) for name, value in zip(_FIELDS, values, strict=True)}
    ),
    int, int, int, str, str, str, int, str, str, str, str, str, str, str, str,
)  # fmt: skip


def _redacted_body() -> str:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length and request.content_length > limit:
        return f"(not stored: {request.content_length} bytes, over the limit)"
    raw = request.get_data(cache=True)
    if not raw:
        return ""
    try:
        text = json.dumps(redact(json.loads(raw)), separators=(",", ":"))
    except (ValueError, RecursionError):
        return "(not JSON)"
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + "…(truncated)"


def filtered(organization_id: int, status: str = "", method: str = "", path: str = ""):
    """One organization's logged requests, newest first, narrowed by status class (``2``,
    ``4``, ``5``), method and a path fragment: support's console and the organization's
    own log read the same rows the same way."""
    query = ScimEvent.select().where(ScimEvent.organization == organization_id)
    if status in ("2", "4", "5"):
        low = int(status) * 100
        query = query.where((ScimEvent.status >= low) & (ScimEvent.status < low + 100))
    method = method.upper()
    if method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        query = query.where(ScimEvent.method == method)
    path = path.strip()[:200]
    if path:
        query = query.where(ScimEvent.path.contains(path))
    return query.order_by(ScimEvent.id.desc())
