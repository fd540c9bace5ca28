"""What happens around each SCIM write: one transaction, and a refused change recorded
as a failed migration after the rollback, so it is never lost."""

import json
from contextlib import contextmanager
from dataclasses import dataclass, field

import peewee as pw
from flask import current_app, g, request

from ..db import write_transaction
from ..directory import DirectoryError
from ..domain import failures
from ..domain.failure_reasons import FailureReason
from ..domain.redaction import redact
from ..domain.sources import Source
from .errors import ScimError, from_directory_error


def path_below_base() -> str:
    prefix = f"/scim/v2/{g.scim_key}"
    return request.path[len(prefix) :] if request.path.startswith(prefix) else request.path


def replayable_request() -> dict:
    """Method, path below the base URL and the body, redacted: enough to retry later."""
    body = _body_or(None)
    return {"method": request.method, "path": path_below_base(), "body": redact(body)}


def record_refusal(error: DirectoryError, operation: str, who: dict) -> None:
    if not FailureReason(error.reason).recorded:
        return  # a plain "already exists": answered, not an inbox row
    failures.record(
        g.scim_organization,
        source=Source.SCIM,
        reason=error.reason,
        operation=operation,
        message=error.message,
        request=replayable_request(),
        member=error.member,
        **who,
    )


@dataclass
class Attempt:
    """What a refused write is recorded as; the route may refine it once it has read
    the resource inside the transaction."""

    operation: str
    who: dict = field(default_factory=dict)


@contextmanager
def applying(operation: str, who: dict | None = None):
    """Run a write in one transaction holding the organization's write lock; on a rule's
    refusal record it and answer SCIM. Routes read the resource they change inside the
    block, so concurrent requests (Okta sends bursts, from several processes) each see
    the one before. A uniqueness race the lock could not prevent is a 409, never a 500.
    On PostgreSQL the writes go in a pipeline (wizard/pg_pipeline.py, unless
    DATABASE_PIPELINE is off): the block's statements must not branch on a write's row
    count."""
    attempt = Attempt(operation, dict(who or {}))
    try:
        pipelined = current_app.config["DATABASE_PIPELINE"]
        with write_transaction(g.scim_organization, pipelined=pipelined):
            yield attempt
    except DirectoryError as error:
        record_refusal(error, attempt.operation, attempt.who)
        raise from_directory_error(error) from None
    except pw.IntegrityError:
        raise ScimError(
            409,
            "The change collided with a concurrent one on a unique value; read and retry.",
            "uniqueness",
        ) from None


def who_from_profile(profile: dict) -> dict:
    name = profile.get("display_name") or " ".join(
        p for p in (profile.get("given_name"), profile.get("family_name")) if p
    )
    return {
        "user_name": profile.get("user_name") or "",
        "email": profile.get("email") or "",
        "display_name": name,
    }


OPERATIONS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


def record_gate_refusal(error: DirectoryError) -> None:
    """A write refused before any route ran (enterprise feature off): still recorded,
    with the userName the body names (or the resource id in the path)."""
    if request.method not in OPERATIONS:
        return
    operation = OPERATIONS[request.method]
    if "/Groups" in request.path:
        operation = f"group_{operation}"
    body = _body_or({})
    fields = {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else {}
    name = fields.get("username") or fields.get("displayname") or request.path.rsplit("/", 1)[-1]
    record_refusal(error, operation, {"user_name": str(name)[:254]})


def _body_or(default):
    """The JSON body if it can be read, else ``default`` (never raises)."""
    if request.content_length and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        return default
    try:
        return json.loads(request.get_data(cache=True) or b"null") or default
    except (ValueError, RecursionError):
        return default
