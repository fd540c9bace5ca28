"""The one place under wizard/ that speaks HTTP: a ``requests`` adapter that enforces the
policy on every request of the session it is mounted on.

Pinning uses requests' and urllib3's documented extension points: the adapter's
``get_connection_with_tls_context`` (meant for subclasses) asks urllib3 for a pool on the
checked IP address with ``server_hostname`` and ``assert_hostname`` set to the name
(urllib3's "custom SNI hostname" recipe), and the request carries the name in its Host
header. So TLS still verifies the certificate for the name, and no second DNS lookup
happens between the check and the connection.

Every answer is read here, bounded in size and time; redirects are refused, never
followed; every failure becomes an ``OutboundError`` with our own message.
"""

import time

import requests
import urllib3
from requests.adapters import HTTPAdapter

from .errors import Failure, OutboundError
from .policy import NameNotResolved, Policy, Refused, origin_of

CONNECT_TIMEOUT = 5.0  # seconds
READ_TIMEOUT = 20.0  # seconds between two bytes
BODY_SECONDS = 60.0  # for a whole answer: a server dripping bytes cannot hold us longer
API_MAX_BYTES = 4 * 1024 * 1024  # one page of Okta's API (200 users, 500 app users)
DOCUMENT_MAX_BYTES = 256 * 1024  # discovery, JWKS, token answers
CHUNK = 64 * 1024
# Any failure of a request: ours, and the few requests raises outside the adapter (an
# invalid URL while preparing, ``raise_for_status`` in the sign-in library).
REQUEST_FAILURES = (OutboundError, requests.RequestException)
# The error of an answer's ``raise_for_status`` (the sign-in library's token request):
# callers name it here, so no module but this one imports the HTTP library.
HTTPStatusError = requests.HTTPError


class DoorAdapter(HTTPAdapter):
    def __init__(self, policy: Policy, max_bytes: int):
        self.policy, self.max_bytes = policy, max_bytes
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        target = self.policy.check(request.url)
        if target.address is None:  # the egress proxy resolves and filters
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        host_params["host"] = target.address
        if target.scheme == "https" and target.is_name:
            pool_kwargs.update(server_hostname=target.host, assert_hostname=target.host)
        request.headers["Host"] = target.host_header
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        host = origin_of(request.url)[1] or "the server"
        proxy = self.policy.proxy
        try:
            response = super().send(
                request,
                stream=True,
                timeout=bounded_timeout(timeout),
                verify=verify,
                cert=cert,
                proxies={"http": proxy, "https": proxy} if proxy else {},
            )
            if response.is_redirect:
                response.close()
                raise OutboundError(
                    Failure.REFUSED,
                    f"{host} answered with a redirect ({response.status_code}); redirects are "
                    "never followed: enter the final address.",
                )
            _read_bounded(response, host, self.max_bytes)
        except Refused as refused:
            raise OutboundError(Failure.REFUSED, str(refused)) from None
        except NameNotResolved as missing:
            raise OutboundError(Failure.DNS, _lookup_message(missing)) from None
        except requests.RequestException as error:
            raise _failure(error, host) from None
        return response


def bounded_timeout(timeout) -> tuple[float, float]:
    """(connect, read), never unbounded and never above our own limits."""
    if isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout
    return (
        min(connect or CONNECT_TIMEOUT, CONNECT_TIMEOUT),
        min(read or READ_TIMEOUT, READ_TIMEOUT),
    )


def _read_bounded(response: requests.Response, host: str, limit: int) -> None:
    """Read the body now, stopping past ``limit`` bytes (decoded) or ``BODY_SECONDS``."""
    too_large = OutboundError(
        Failure.REFUSED,
        f"{host}'s answer is too large (over {limit // 1024} KB); we stopped reading it.",
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise too_large
    body, deadline = bytearray(), time.monotonic() + BODY_SECONDS
    try:
        # read1: one read from the socket per call, whatever has arrived (decoded, at most
        # CHUNK), so the bounds are checked after every piece. read(CHUNK), under
        # iter_content, waits for a whole CHUNK or the end, each byte within the read
        # timeout: a declared body dripped slowly held the request for days.
        while chunk := response.raw.read1(CHUNK, decode_content=True):
            body += chunk
            if len(body) > limit:
                response.close()
                raise too_large
            if time.monotonic() > deadline:
                response.close()
                raise OutboundError(Failure.TIMEOUT, f"{host} took too long to answer.")
    except urllib3.exceptions.ReadTimeoutError:
        response.close()
        raise OutboundError(Failure.TIMEOUT, f"{host} did not answer in time.") from None
    except urllib3.exceptions.HTTPError:  # a broken, truncated or undecodable answer
        response.close()
        raise OutboundError(Failure.NETWORK, f"{host}'s answer could not be read.") from None
    response._content, response._content_consumed = bytes(body), True
    response.raw.release_conn()


def _failure(error: requests.RequestException, host: str) -> OutboundError:
    if isinstance(error, requests.exceptions.SSLError):
        return OutboundError(Failure.TLS, f"The TLS certificate of {host} could not be verified.")
    if isinstance(error, requests.exceptions.Timeout):
        return OutboundError(Failure.TIMEOUT, f"{host} did not answer in time.")
    if isinstance(error, requests.exceptions.ProxyError):
        return OutboundError(
            Failure.NETWORK, f"The egress proxy refused or failed the request to {host}."
        )
    return OutboundError(Failure.NETWORK, f"Could not connect to {host}.")


def check(url: str, organization=None) -> None:
    """Raise ``OutboundError`` when a request to ``url`` would be refused (the name is
    resolved and its addresses checked; nothing is sent): for a form field's message."""
    organization_id = getattr(organization, "id", organization)
    try:
        Policy.current(organization_id).check(url)
    except Refused as refused:
        raise OutboundError(Failure.REFUSED, str(refused)) from None
    except NameNotResolved as missing:
        raise OutboundError(Failure.DNS, _lookup_message(missing)) from None


def _lookup_message(missing: NameNotResolved) -> str:
    if missing.missing:
        return f"The domain {missing.host} does not exist (DNS lookup failed). Check for typos."
    return f"The domain {missing.host} could not be looked up (DNS did not answer)."


def mount(session: requests.Session, policy: Policy, max_bytes: int) -> requests.Session:
    """Make every request of ``session`` pass the door."""
    session.trust_env = False  # HTTP(S)_PROXY, NO_PROXY and .netrc would bypass the door
    session.max_redirects = 0
    if policy.ca_bundle:
        session.verify = policy.ca_bundle
    adapter = DoorAdapter(policy, max_bytes)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def session(
    organization=None, *, origin: str | None = None, max_bytes: int = API_MAX_BYTES
) -> requests.Session:
    """A session for ``organization``'s requests (its trusted hosts apply)."""
    organization_id = getattr(organization, "id", organization)
    return mount(requests.Session(), Policy.current(organization_id, origin), max_bytes)


def loopback_session(origin: str, max_bytes: int = API_MAX_BYTES) -> requests.Session:
    """A session for one server on this machine, ``origin`` and nothing else: Simulated
    Okta's provisioning speaking to our own SCIM endpoint (development only; production
    refuses Simulated Okta). Loopback and plain http are allowed for that origin; every
    other rule of the door holds: no redirects, bounded answers and times, no proxy or
    credentials from the environment."""
    return mount(requests.Session(), Policy(allow_loopback=True, origin=origin), max_bytes)
