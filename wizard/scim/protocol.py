"""Request parsing and response shaping shared by the SCIM routes (RFC 7644 §3)."""

import json

from flask import request

from .errors import ScimError
from .mapping import LIST_SCHEMA
from .projection import Projection

DEFAULT_COUNT = 100
MAX_RESULTS = 1000  # advertised in /ServiceProviderConfig (filter.maxResults)
MAX_INTEGER = 2**63 - 1
JSON_TYPES = ("application/json", "application/scim+json")
PROJECTION_KEY = "okta_connector.scim_projection"


def read_json() -> dict:
    """The request body as a JSON object, or a SCIM 400/415 error."""
    mimetype = (request.mimetype or "").lower()
    if mimetype and mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise ScimError(415, "Send the body as application/scim+json or application/json.")
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError):
        raise ScimError(400, "The body is not valid UTF-8 JSON.", "invalidSyntax") from None
    except json.JSONDecodeError as exc:
        raise ScimError(
            400, f"The body is not valid JSON: {exc.msg} at position {exc.pos}.", "invalidSyntax"
        ) from None
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
    bad = unstorable_text(body)
    if bad:
        raise ScimError(400, f"The body holds {bad}, which cannot be stored.", "invalidValue")
    return body


def unstorable_text(value) -> str | None:
    """What no database column can hold: a NUL character (PostgreSQL refuses it) or a
    lone surrogate (``"\\ud800"`` parses, but is not Unicode). Walked with a stack, not
    recursion: the JSON may be as deep as the parser allowed."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return "a NUL character"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "a lone surrogate (text that is not Unicode)"
    return None


def _int_arg(name: str, default: int) -> int:
    """A whole number the database can take: SQL's OFFSET is a signed 64-bit integer, and
    a larger one fails in the driver (OverflowError) rather than as a SCIM answer."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ScimError(400, f"{name} must be a whole number.", "invalidValue") from None
    if abs(value) > MAX_INTEGER:
        raise ScimError(400, f"{name} must be at most {MAX_INTEGER}.", "invalidValue")
    return value


def paging() -> tuple[int, int]:
    """``(startIndex, count)``: 1-based, values below 1 mean 1, count capped (§3.4.2.4)."""
    start = max(_int_arg("startIndex", 1), 1)
    count = min(max(_int_arg("count", DEFAULT_COUNT), 0), MAX_RESULTS)
    return start, count


def list_response(resources: list[dict], total: int, start: int) -> dict:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": int(total),
        "startIndex": int(start),
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def projection() -> Projection:
    """This request's ``attributes``/``excludedAttributes``, read once (a page of 1,000
    resources is projected one by one). Kept on the request, not on ``g``: requests made
    inside one app context (the wizard's self-test) share ``g``."""
    environ = request.environ
    if PROJECTION_KEY not in environ:
        environ[PROJECTION_KEY] = Projection.of(
            request.args.get("attributes"), request.args.get("excludedAttributes")
        )
    return environ[PROJECTION_KEY]


def wants_attribute(name: str) -> bool:
    """False when ``attributes``/``excludedAttributes`` leave ``name`` out (costly parts)."""
    return projection().wants(name)


def project(resource: dict) -> dict:
    """Apply ``attributes`` / ``excludedAttributes`` (RFC 7644 §3.4.2.5) to one resource."""
    return projection().apply(resource)


def check_version(row) -> None:
    """``If-Match`` (RFC 7644 §3.14): a stale version is 412, nothing is written."""
    wanted = request.headers.get("If-Match")
    if wanted and wanted.strip() != "*" and wanted.strip() != f'W/"{row.version}"':
        raise ScimError(
            412,
            "The resource changed since you read it (version mismatch); read it again and retry.",
            "invalidVers",
        )
