"""Error answers: an HTML page for people, JSON for the small status endpoints.

Areas with their own error format (SCIM) register a path prefix and a renderer here,
because routing errors (404, 405) happen before any blueprint is chosen.
"""

from collections.abc import Callable

from flask import Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

# path prefix -> function(HTTPException) -> response
ERROR_RENDERERS: dict[str, Callable] = {}

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    413: "What you sent is too large.",
    429: "Too many attempts. Please wait a moment and try again.",
    500: "Something went wrong on our side. We have logged it.",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.endswith(".json") or best == "application/json"


def handle_http_error(error: HTTPException):
    for prefix, render in ERROR_RENDERERS.items():
        if request.path.startswith(prefix):
            return render(error)
    code = error.code or 500
    message = error.description if code == 400 and error.description else MESSAGES.get(code)
    if code == 400 and "CSRF" in (error.description or ""):
        message = "This form expired or was sent from another page. Please try again."
    if wants_json():
        response = jsonify(error=error.name, status=code, message=message)
    else:
        response = render_template(
            "errors/error.html", code=code, title=error.name, message=message or error.name
        )
    return response, code, _retry_after(error)


def handle_unexpected_error(error: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    wrapped = InternalServerError()
    wrapped.original_exception = error
    g.setdefault("request_id", "-")
    return handle_http_error(wrapped)


def _retry_after(error: HTTPException) -> dict:
    response = getattr(error, "response", None)
    if response is not None and "Retry-After" in response.headers:
        return {"Retry-After": response.headers["Retry-After"]}
    return {}
