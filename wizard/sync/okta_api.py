"""A small client for Okta's management API: pages of ``limit=200`` followed through
``Link: rel="next"``, rate limits honoured, 5xx and timeouts retried with backoff, and a
total time budget so no run loops forever. How it signs in is its ``auth``: an SSWS API
token (``SswsAuth``, ``Authorization: SSWS <token>``) or an API Services app's OAuth
access token (``okta_auth.ServiceAppAuth``: DPoP, scopes).

Plain HTTP through the outbound door rather than the okta SDK: the SDK is async, slow to
import, refuses http:// even for loopback test servers, and hides the rate-limit headers
we act on. The door checks every URL (next links too) and bounds each answer; a next
link must also stay on the org URL's origin, since the session carries the credentials.
Messages never quote Okta's free text (``errorSummary``, the status reason): only the
status and Okta's ``errorCode``, a fixed vocabulary.
"""

import re
import time
from dataclasses import dataclass, field

from .. import outbound

PAGE_SIZE = 200
MAX_PAGES = 10_000  # 2,000,000 objects: far beyond any tenant; a loop guard, not a limit
MAX_RETRIES = 4
MAX_RATE_LIMIT_WAIT = 60.0  # seconds for one 429; Okta's windows are one minute
LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
ERROR_CODE = re.compile(r"^E\d{7}$")  # Okta's error codes, e.g. E0000011
RETRYABLE = ("server", "network", "timeout")  # the token endpoint's failures worth a retry


class OktaApiError(Exception):
    """``kind``: auth, forbidden, scope (an OAuth scope not granted: ``scope`` names it),
    not_found, rate_limited, server, network, tls, timeout, budget, bad_response, refused
    (the outbound door's rules). ``message`` is written for the admin reading it."""

    def __init__(
        self, kind: str, message: str, status: int | None = None, code: str = "", scope: str = ""
    ):
        super().__init__(message)
        self.kind, self.message, self.status, self.code = kind, message, status, code
        self.scope = scope


class SswsAuth:
    """An admin's API token: the same header on every call, nothing to renew."""

    def __init__(self, token: str):
        self.token = token

    def headers(self, method: str, url: str) -> dict[str, str]:
        return {"Authorization": f"SSWS {self.token}"}

    def retry(self, response, answered: set) -> bool:
        return False

    def refused(self, response, okta_says: str) -> "OktaApiError | None":
        if response.status_code == 401:
            return OktaApiError(
                "auth",
                f"The API token is invalid or expired ({okta_says}). Create a new token in "
                "Okta under Security > API > Tokens.",
                401,
            )
        if response.status_code == 403:
            return OktaApiError(
                "forbidden", f"The token's owner lacks the permission for this ({okta_says}).", 403
            )
        return None


@dataclass
class OktaClient:
    org_url: str
    token: str = ""  # an SSWS API token, unless ``auth`` says otherwise
    budget_seconds: float = 300.0
    timeout: float = 20.0
    clock: object = time.monotonic
    sleep: object = time.sleep
    calls: int = 0
    session: object = field(default_factory=outbound.session)  # no organization: Okta only
    auth: object = None  # SswsAuth(token) by default

    def __post_init__(self):
        self.org_url = self.org_url.rstrip("/")
        self.deadline = self.clock() + self.budget_seconds
        self.auth = self.auth or SswsAuth(self.token)
        self.session.headers.update(
            {"Accept": "application/json", "User-Agent": "okta-connector/1.0"}
        )

    def get(self, path: str, params: dict | None = None):
        return _json(self._request(self._url(path), params), path)

    def pages(self, path: str, params: dict | None = None):
        """Every item of a paged collection, one page of up to 200 at a time."""
        url, query = self._url(path), {"limit": PAGE_SIZE, **(params or {})}
        for _ in range(MAX_PAGES):
            response = self._request(url, query)
            items = _json(response, path)
            if not isinstance(items, list):
                raise OktaApiError(
                    "bad_response", f"Okta answered {path} with something that is not a list."
                )
            yield from items
            match = LINK_NEXT.search(response.headers.get("Link", ""))
            if not match:
                return
            if not outbound.same_origin(match[1], self.org_url):
                raise OktaApiError(
                    "bad_response",
                    f"Okta's next page link for {path} points to another server than the org "
                    "URL; the run stopped there so the API token is not sent to it.",
                )
            url, query = match[1], None  # the next link carries every parameter
        raise OktaApiError("bad_response", f"Okta kept returning pages for {path}.")

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.org_url}{path}"

    def _request(self, url: str, params: dict | None):
        for attempt in range(MAX_RETRIES + 1):
            self._check_budget()
            try:
                response = self._send(url, params)
            except outbound.OutboundError as error:
                if not error.retryable or attempt == MAX_RETRIES:
                    raise door_error(error) from None
                self._backoff(attempt)
                continue
            except OktaApiError as error:  # from the token endpoint
                if error.kind not in RETRYABLE or attempt == MAX_RETRIES:
                    raise
                self._backoff(attempt)
                continue
            if response.status_code == 429:
                self._wait_for_reset(response)
                continue
            if response.status_code >= 500 and attempt < MAX_RETRIES:
                self._backoff(attempt)
                continue
            if response.status_code >= 400:
                raise _error(response, self.auth)
            return response
        raise OktaApiError("server", "Okta kept failing; try again later.")

    def _send(self, url: str, params: dict | None):
        """One call, asked again when the auth can answer Okta's challenge (a DPoP nonce,
        an expired access token): each challenge once, so nothing loops."""
        answered: set = set()
        while True:
            self.calls += 1
            headers = self.auth.headers("GET", url)
            response = self.session.get(
                url, params=params, headers=headers, timeout=self._timeout()
            )
            if not self.auth.retry(response, answered):
                return response

    def _timeout(self) -> float:
        return max(0.5, min(self.timeout, self.deadline - self.clock()))

    def _check_budget(self):
        if self.clock() >= self.deadline:
            raise OktaApiError(
                "budget",
                f"The run took longer than its {self.budget_seconds:g} "
                "seconds budget; it resumes on the next run.",
            )

    def _backoff(self, attempt: int):
        self.sleep(min(0.5 * 2**attempt, max(0.0, self.deadline - self.clock())))

    def _wait_for_reset(self, response):
        """On 429 wait until ``X-Rate-Limit-Reset`` (epoch seconds), bounded."""
        try:
            reset = float(response.headers.get("X-Rate-Limit-Reset", "0"))
        except ValueError:
            reset = 0.0
        wait = min(max(reset - time.time(), 1.0), MAX_RATE_LIMIT_WAIT)
        if self.clock() + wait >= self.deadline:
            raise OktaApiError(
                "rate_limited",
                "Okta's rate limit was reached and the run's time budget ends before it resets.",
                429,
                "E0000047",
            )
        self.sleep(wait)


def _json(response, path: str):
    try:
        return response.json()
    except ValueError:
        raise OktaApiError(
            "bad_response", f"Okta answered {path} with something not JSON."
        ) from None


def door_error(error: outbound.OutboundError) -> OktaApiError:
    """The door's failure in the Okta client's words (the door's message names the host)."""
    Failure = outbound.Failure
    if error.failure is Failure.TLS:
        return OktaApiError("tls", "The TLS certificate of the Okta org URL could not be verified.")
    if error.failure is Failure.TIMEOUT:
        return OktaApiError("timeout", "Okta did not answer in time.")
    if error.failure is Failure.DNS:
        return OktaApiError("network", f"The Okta org URL cannot be reached: {error.message}")
    if error.failure is Failure.NETWORK:
        return OktaApiError("network", "Could not connect to Okta.")
    return OktaApiError("refused", error.message)


def _error(response, auth) -> OktaApiError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("errorCode", "") if isinstance(body, dict) else ""
    code = code if isinstance(code, str) and ERROR_CODE.match(code) else ""
    status = response.status_code
    okta_says = f"Okta: {code}" if code else f"Okta answered {status}"
    refused = auth.refused(response, okta_says)
    if refused is not None:
        refused.code = refused.code or code
        return refused
    if status == 404:
        return OktaApiError(
            "not_found",
            "Okta has no such endpoint: check the org URL (e.g. https://acme.okta.com).",
            status,
            code,
        )
    return OktaApiError(
        "server", f"Okta answered {status}{f' ({code})' if code else ''}.", status, code
    )
