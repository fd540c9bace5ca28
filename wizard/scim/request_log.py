"""Every SCIM request is recorded: time, method, path, status, latency, token, client
IP, error detail and the body with secrets removed. The wizard's live panel, support's
request log and each member's timeline read it; ``scim prune`` enforces retention."""

import json
import time

from flask import current_app, g, request

from ..failures import redact
from ..models import ScimEvent

MAX_BODY = 8_000


def start_timer():
    if request.path.startswith("/scim/"):
        g.scim_started = time.perf_counter()


def record(response):
    connection = g.get("scim_connection")
    if connection is None or "scim_started" not in g:
        return response  # unknown keys are not logged: nobody's log to fill
    resource_type, resource_id = g.get("scim_resource", ("", ""))
    ScimEvent.create(
        organization=connection.organization_id,
        connection=connection.id,
        token=g.get("scim_token"),
        method=request.method,
        path=request.path[:500],
        query=request.query_string.decode("utf-8", "replace")[:1000],
        status=response.status_code,
        latency_ms=round((time.perf_counter() - g.scim_started) * 1000, 2),
        ip=request.remote_addr or "",
        authenticated=g.get("scim_token") is not None,
        error=getattr(response, "error_detail", "")[:2000],
        body=_redacted_body(),
        resource_type=resource_type,
        resource_id=resource_id,
    )
    return response


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
