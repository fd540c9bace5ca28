"""Every SCIM request is recorded: time, method, path, status, latency, token, client
IP, error detail and the body with secrets removed. The wizard's live panel, support's
request log and each member's timeline read it; ``scim prune`` enforces retention.

Rows are written in batches off the request path (``log_writer.py``: every
``SCIM_LOG_FLUSH_MS``, flushed at exit; what a crash can lose is said there). Readers
in this process call ``flush()`` first, so they see every request this process answered;
another process's rows follow within its flush interval.
"""

import json
import time

import peewee as pw
from flask import Flask, current_app, g, has_app_context, request

from ..domain.redaction import redact
from ..models import ScimEvent, utcnow
from .log_writer import BatchWriter

MAX_BODY = 8_000
EXTENSION = "scim_request_log"
_FIELDS = (
    "organization", "connection", "token", "method", "path", "query", "status", "latency_ms",
    "ip", "authenticated", "error", "body", "resource_type", "resource_id", "created_at",
)  # fmt: skip
_BODY = _FIELDS.index("body")


def init_app(app: Flask, db) -> None:
    # The statement's text for ``db``, its parameters bound per row by executemany.
    insert = ScimEvent.insert({name: pw.Value(0, unpack=False) for name in _FIELDS})
    sql, params = db.get_sql_context().sql(insert).query()
    if len(params) != len(_FIELDS):
        raise RuntimeError("the request log's INSERT must take one parameter per column")
    app.extensions[EXTENSION] = BatchWriter(
        db,
        sql,
        prepare=_with_redacted_body,
        size=lambda row: len(row[_BODY]),
        flush_ms=int(app.config["SCIM_LOG_FLUSH_MS"]),
        batch_rows=int(app.config["SCIM_LOG_BATCH_ROWS"]),
        max_rows=int(app.config["SCIM_LOG_MAX_ROWS"]),
    )
    app.before_request(start_timer)
    app.after_request(record)


def writer(app: Flask | None = None) -> BatchWriter:
    return (app or current_app).extensions[EXTENSION]


def flush(app: Flask | None = None) -> int:
    """Write this process's queued rows now (readers call it before reading); 0 outside
    an app or in an app without the SCIM blueprint."""
    if app is None and not has_app_context():
        return 0
    log_writer = (app or current_app).extensions.get(EXTENSION)
    return log_writer.flush() if log_writer is not None else 0


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
    writer().add(
        (
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
            _body_as_received(),  # redacted on the writer's thread: _with_redacted_body
            resource_type,
            resource_id,
            utcnow(),
        )
    )
    return response


def _body_as_received() -> bytes | str:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length and request.content_length > limit:
        return f"(not stored: {request.content_length} bytes, over the limit)"
    return request.get_data(cache=True)


def _with_redacted_body(row: tuple) -> tuple:
    body = row[_BODY]
    return (*row[:_BODY], _redacted(body) if isinstance(body, bytes) else body, *row[_BODY + 1 :])


def _redacted(raw: bytes) -> str:
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
    flush()
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
