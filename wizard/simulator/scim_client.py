"""How Simulated Okta's provisioning engine speaks HTTP: Okta's headers, each request
and the answer kept as an ``Exchange`` for the console's request log.

It sends only to this machine (a loopback host): it is a development tool acting as
Okta towards our own SCIM endpoint, never a way to make this server call elsewhere. Its
requests go through the outbound door like every other (``outbound.loopback_session``:
that one origin only, no redirects followed, answers bounded in size and time).
"""

import base64
import json
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from .. import outbound
from ..config import is_loopback_host

# Okta's per-request timeout (okta-scim.md section 2); the door holds a request to its own
# bounds within it (5 s to connect, 20 s between bytes, 60 s for a whole answer).
TIMEOUT = 60  # seconds
BODY_SHOWN = 4000  # characters of each body kept for the log
HEADERS = {
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "User-Agent": "Okta SCIM Client 1.0.0",
}


@dataclass
class Exchange:
    """One request Okta sent and what our SCIM server answered."""

    action: str
    method: str
    path: str
    request_body: object = None
    status: int | None = None
    response_body: object = None
    error: str = ""
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    def to_dict(self) -> dict:
        return asdict(self)


def loopback_only(base_url: str) -> str | None:
    """Why ``base_url`` may not be sent to (None when it may)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Paste the SCIM connector base URL, e.g. http://127.0.0.1:5000/scim/v2/..."
    if not is_loopback_host(parts.hostname):
        return "Simulated Okta sends SCIM requests to this machine only (127.0.0.1)."
    return None


# The Authentication Mode choices of Okta's SCIM app settings (okta-scim.md section 7).
AUTH_MODES = {
    "bearer": "HTTP Header (Authorization: Bearer <token>)",
    "header": "Header (Authorization: <token>, as is)",
    "basic": "Basic Auth (username and password)",
}


def authorization(mode: str, token: str, username: str = "") -> str:
    if mode == "header":
        return token
    if mode == "basic":
        return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode("ascii")
    return f"Bearer {token}"


class ScimTransport:
    def __init__(self, base_url: str, token: str, auth_mode: str = "bearer", username: str = ""):
        self.base_url = base_url.rstrip("/")
        self.authorization = authorization(auth_mode, token, username)
        self.session = outbound.loopback_session(self.base_url)
        self.session.headers.update(HEADERS)

    def send(self, action: str, method: str, path: str, body=None) -> Exchange:
        exchange = Exchange(action, method, path, body)
        refusal = loopback_only(self.base_url)
        if refusal:
            exchange.error = refusal
            return exchange
        headers = {"Authorization": self.authorization}
        if body is not None:
            headers["Content-Type"] = "application/scim+json; charset=utf-8"
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                data=None if body is None else json.dumps(body),
                headers=headers,
                timeout=TIMEOUT,
            )
        except outbound.REQUEST_FAILURES as error:
            reason = (
                error.message if isinstance(error, outbound.OutboundError) else type(error).__name__
            )
            exchange.error = f"Could not reach {urlsplit(self.base_url).netloc}: {reason}"
            return exchange
        exchange.status = response.status_code
        exchange.response_body = _body(response)
        return exchange


def _body(response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text[:BODY_SHOWN]
