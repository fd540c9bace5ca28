"""One door for every outbound HTTP request (issue 15): the Okta API client, the
discovery check, and the sign-in library all get their sessions here.

- ``session(organization)``: a ``requests.Session`` whose every request is checked by
  ``Policy`` (https, Okta's domains or the organization's trusted hosts, public addresses
  only) and pinned to the checked address; answers are bounded; redirects refused.
- ``check(url, organization)``: the same rules without sending, for a form field.
- ``DoorOAuth2App``: authlib's Flask client on the door (wizard/sso/clients.py).
- ``loopback_session(origin)``: one server on this machine (Simulated Okta's provisioning).
- ``OutboundError``: every failure, with our own message and a ``Failure`` kind.
"""

from .errors import Failure, OutboundError
from .oauth import DoorOAuth2App, endpoint_off_origin
from .policy import OKTA_DOMAINS, Policy, is_okta_domain, origin_of, same_origin
from .transport import (
    API_MAX_BYTES,
    DOCUMENT_MAX_BYTES,
    REQUEST_FAILURES,
    HTTPStatusError,
    check,
    loopback_session,
    session,
)

__all__ = [
    "API_MAX_BYTES",
    "DOCUMENT_MAX_BYTES",
    "OKTA_DOMAINS",
    "REQUEST_FAILURES",
    "DoorOAuth2App",
    "Failure",
    "HTTPStatusError",
    "OutboundError",
    "Policy",
    "check",
    "endpoint_off_origin",
    "is_okta_domain",
    "loopback_session",
    "origin_of",
    "same_origin",
    "session",
]
