"""Error answers: each blueprint may answer its own errors in its own format (SCIM's
RFC 7644 bodies, scim/blueprint.py), else an HTML page for people, JSON for the small
status endpoints the pages poll.

Flask calls a blueprint's handlers for errors raised in its requests. Routing errors
(404, 405) are raised before any blueprint is chosen, so this app-level handler finds
the owner itself: for a 405 the blueprint of the rule the path matched, for a 404 the
blueprint whose URL prefix the path falls under. Nothing registers anything here.
"""

from flask import Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

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
    owner_answer = _blueprint_handler(error) if request.url_rule is None else None
    if owner_answer is not None:
        return owner_answer(error)
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


def _owner_of_unrouted_request(error: HTTPException) -> str | None:
    """The blueprint a request that matched no view belongs to, or None (the app's)."""
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        adapter = current_app.create_url_adapter(request)
        try:
            endpoint, _ = adapter.match(method=next(iter(error.valid_methods)))
        except HTTPException:
            endpoint = ""
        return endpoint.rpartition(".")[0] or None
    return _blueprint_by_prefix(request.path)


def _blueprint_by_prefix(path: str) -> str | None:
    """The blueprint with the longest URL prefix ``path`` falls under. A prefix counts up
    to its first variable (``/scim/v2/<scim_key>`` owns ``/scim/v2``, ``/scim/v2/x/y``):
    a SCIM base URL pasted without its key still gets a SCIM answer. A blueprint may
    claim more prefixes with no routes of their own (``also_answers_under``)."""
    owners = {}
    for name, blueprint in current_app.blueprints.items():
        heads = (blueprint.url_prefix or "").split("<", 1)[0].rstrip("/")
        for head in (heads, *getattr(blueprint, "also_answers_under", ())):
            if head and (path == head or path.startswith(head + "/")):
                owners[head] = name
    return owners[max(owners, key=len)] if owners else None


def _blueprint_handler(error: HTTPException):
    """The HTTP error handler the owning blueprint registered with ``errorhandler``
    (by status code, else by exception class, as Flask looks them up), or None."""
    owner = _owner_of_unrouted_request(error)
    registered = current_app.error_handler_spec.get(owner, {}) if owner else {}
    for code in (error.code, None):
        by_class = registered.get(code, {})
        for cls in type(error).__mro__:
            if cls in by_class:
                return by_class[cls]
    return None


def _retry_after(error: HTTPException) -> dict:
    response = getattr(error, "response", None)
    if response is not None and "Retry-After" in response.headers:
        return {"Retry-After": response.headers["Retry-After"]}
    return {}
