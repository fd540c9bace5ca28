"""The SCIM blueprint: per-connection base URL, authentication, error handling.

``/scim/v2/<connection key>/...``: the key picks the connection and the bearer token
must belong to it; a wrong key or token is the same 401, so nothing tells an attacker
which keys exist.
"""

import base64
import binascii
import time

from flask import Blueprint, current_app, g, request
from limits import parse
from werkzeug.exceptions import HTTPException

from ..directory import DirectoryError, require_enterprise
from ..domain import connections
from ..extensions import limiter
from ..security import same_secret
from .context import ScimContext
from .errors import (
    OTHER_VERSIONS,
    ScimError,
    error_response,
    from_directory_error,
    from_http_error,
    from_scim_error,
)
from .outcomes import record_gate_refusal
from .verified_tokens import verified_tokens

bp = Blueprint("scim", __name__, url_prefix="/scim/v2/<scim_key>")
# SCIM 1.1 base URLs (the admin picked SCIM 1.1 in Okta) get this blueprint's error
# answers too (wizard/errors.py), not a page for people; the 404 says what to change.
bp.also_answers_under = OTHER_VERSIONS
FAILED_AUTH_LIMIT = parse("20/minute")


@limiter.request_filter
def _no_route_limits_on_scim() -> bool:
    """SCIM routes carry no decorated limit (failed authentications are counted by hand
    below): resolving the app's limits on every Okta request cost 56 us for none (27 us now)."""
    return request.blueprint == "scim"


UNAUTHORIZED = (
    "Authentication failed: the SCIM base URL and bearer token do not match a live "
    "token. Copy both again from the Connect Okta wizard (Provisioning credentials)."
)


@bp.url_value_preprocessor
def take_scim_key(endpoint, values):
    g.scim_key = (values or {}).pop("scim_key", "")


@bp.url_defaults
def add_scim_key(endpoint, values):
    values.setdefault("scim_key", g.get("scim_key", ""))


def presented_token(header: str, scim_key: str) -> str | None:
    """The token from ``Bearer <t>``, a bare ``<t>`` (Okta's "Header" mode) or Basic
    (user = connection key, password = token; seed 001)."""
    header = (header or "").strip()
    if not header or len(header) > 4096:
        return None
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "bearer":
        return rest.strip() or None
    if scheme.lower() == "basic":
        try:
            user, _, password = (
                base64.b64decode(rest.strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return None
        # The user name is the connection key (no secret: it is in the URL), compared in
        # constant time all the same; the password, the token, is compared by digest.
        return password if same_secret(user, scim_key) and password else None
    return header if " " not in header else None


@bp.before_request
def authenticate():
    token_text = presented_token(request.headers.get("Authorization", ""), g.scim_key)
    connection, token = verified_tokens().authenticate(g.scim_key, token_text)
    g.scim_connection = connection
    ip = request.remote_addr or ""
    if token is None:
        wait = _throttled_for(g.scim_key, ip)
        if wait:
            # Counted on the connection, not logged: a flood of bad tokens must not
            # write a request-log row each (the log shows the failures that led here).
            g.scim_not_logged = True
            if connection is not None:
                connections.note_throttled(connection, ip)
            raise ScimError(
                429,
                f"Too many failed authentications; retry in {wait} seconds.",
                headers={"Retry-After": str(wait)},
            )
        if connection is not None:
            connections.note_auth_failure(connection, ip)
        raise ScimError(401, UNAUTHORIZED, headers={"WWW-Authenticate": 'Bearer realm="SCIM"'})
    g.scim_token = token
    g.scim_organization = connection.organization
    g.scim = ScimContext.of(connection)
    connections.note_token_use(token, connection, ip)
    verified_tokens().note_used(g.scim_key, token_text, token, connection)
    try:
        require_enterprise(g.scim_organization)
    except DirectoryError as exc:
        record_gate_refusal(exc)
        raise from_directory_error(exc) from None


def base_url() -> str:
    """This request's SCIM base URL (the discovery documents' locations)."""
    return g.scim.base_url


@bp.before_request
def refuse_nul_in_url():
    """Runs after authentication. PostgreSQL refuses NUL in text, and an id or filter
    holding one can match nothing: a clear 400 rather than a database error."""
    args = request.args.items(multi=True)
    if "\x00" in request.path or any("\x00" in k + v for k, v in args):
        raise ScimError(400, "The URL holds a NUL character.", "invalidValue")


def _throttled_for(scim_key: str, ip: str) -> int:
    """Seconds to wait when this failed authentication is over the limit, else 0.
    Limited per (connection key, client address): Okta calls every customer from shared
    addresses, so one tenant's stale token never throttles another, and a valid token is
    never counted or blocked."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return 0
    key = f"scim-auth-failures/{scim_key[:64]}/{ip}"
    if limiter.limiter.hit(FAILED_AUTH_LIMIT, key):
        return 0
    reset, _ = limiter.limiter.get_window_stats(FAILED_AUTH_LIMIT, key)
    return max(1, int(reset - time.time()))


@bp.errorhandler(ScimError)
def handle_scim_error(error: ScimError):
    return from_scim_error(error)


@bp.errorhandler(DirectoryError)
def handle_directory_error(error: DirectoryError):
    return from_scim_error(from_directory_error(error))


@bp.errorhandler(HTTPException)
def handle_http_error(error: HTTPException):
    """Also answers the routing errors (unknown path, wrong method) under /scim/v2:
    wizard/errors.py hands them to this blueprint's handler (RFC 7644 §3.12)."""
    return from_http_error(error)


@bp.errorhandler(Exception)
def handle_unexpected(error: Exception):
    current_app.logger.exception("SCIM request failed: %s %s", request.method, request.path)
    return error_response(500, "An internal error occurred; it has been logged. Retry later.")
