"""SCIM error answers (RFC 7644 §3.12), built in one place for every failure."""

import json

from flask import Response, request
from werkzeug.exceptions import HTTPException

from ..domain.failure_reasons import FailureReason

SCIM_CONTENT_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

# Routing errors and the like, in words an Okta admin can act on.
HTTP_DETAILS = {
    400: "The request could not be read.",
    401: "Authentication failed: send the bearer token from the Connect Okta wizard.",
    404: "No such SCIM resource or endpoint here. The base URL ends in /scim/v2/<key>; "
    "resources are /Users and /Groups.",
    405: "This SCIM endpoint does not support that HTTP method.",
    413: "The request body is too large.",
    415: "Send the body as application/scim+json or application/json.",
    429: "Too many requests; retry after the time in Retry-After.",
    500: "An internal error occurred; it has been logged. Retry later.",
}


class ScimError(Exception):
    """Raised anywhere under /scim/v2; turned into an error body by the blueprint."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type
        self.headers = headers or {}


def scim_response(payload, status: int = 200, headers=None) -> Response:
    body = "" if payload is None else json.dumps(payload, separators=(",", ":"))
    response = Response(body, status=status, headers=headers)
    if payload is not None:
        response.content_type = SCIM_CONTENT_TYPE
    return response


def error_response(status: int, detail: str, scim_type: str | None = None, headers=None):
    payload = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        payload["scimType"] = scim_type
    response = scim_response(payload, status, headers)
    response.error_detail = detail  # read by the request log
    return response


def from_scim_error(error: ScimError):
    return error_response(error.status, error.detail, error.scim_type, error.headers)


OTHER_VERSIONS = ("/scim/v1", "/scim/v1.1")  # SCIM 1.1's base URLs
OTHER_VERSION = (
    "This server speaks SCIM 2.0 only. In Okta, set the SCIM connector to version 2.0 and "
    "the base URL to the one the Connect Okta wizard shows, ending in /scim/v2/<key>."
)


def from_http_error(error: HTTPException):
    status = error.code or 500
    detail = HTTP_DETAILS.get(status, error.description or error.name)
    if status == 404 and any(
        request.path == head or request.path.startswith(head + "/") for head in OTHER_VERSIONS
    ):
        detail = OTHER_VERSION
    headers = {}
    if getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_response(status, detail, "invalidSyntax" if status == 400 else None, headers)


def from_directory_error(error) -> ScimError:
    """The answer every door gives for the reason (``FailureReason`` holds it)."""
    reason = FailureReason(error.reason)
    return ScimError(reason.status, error.message, reason.scim_type)
