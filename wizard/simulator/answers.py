"""The WSGI plumbing the simulated Okta servers share: where they are served (their base
URL, a mount prefix included), JSON answers, Okta's error body, request forms."""

import json
from urllib.parse import parse_qs

FORM_MAX_BYTES = 64 * 1024
REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def base_url(environ) -> str:
    """The address the caller used to reach this server, with the prefix it is mounted
    under (``SCRIPT_NAME``): ``http://127.0.0.1:5000/simulated-okta`` in ``make run``,
    ``http://127.0.0.1:PORT`` for a test's own server."""
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '')}"


def query_of(environ) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def form_of(environ) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body, bounded like Okta's."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    data = environ["wsgi.input"].read(min(length, FORM_MAX_BYTES)).decode("utf-8", "replace")
    return {key: values[0] for key, values in parse_qs(data).items()}


def status_line(status: int) -> str:
    return f"{status} {REASONS.get(status, 'Error')}"


def json_answer(start_response, body, status: int = 200, headers=None):
    start_response(
        status_line(status),
        [("Content-Type", "application/json"), *(headers or {}).items()],
    )
    return [json.dumps(body).encode()]


def redirect(start_response, location: str):
    start_response(status_line(302), [("Location", location), ("Cache-Control", "no-store")])
    return [b""]


def okta_error(start_response, status: int, code: str, summary: str, headers=None):
    """Okta's error body (``errorCode`` E00000xx, ``errorSummary``...)."""
    body = {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae-simulated",
        "errorCauses": [],
    }
    return json_answer(start_response, body, status, headers)
