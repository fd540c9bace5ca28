"""What an outbound request can end in, besides an answer."""

from enum import StrEnum


class Failure(StrEnum):
    REFUSED = "refused"  # our rules: host, address, scheme, origin, redirect, size
    DNS = "dns"  # the name does not exist or could not be looked up
    TLS = "tls"
    TIMEOUT = "timeout"
    NETWORK = "network"  # nothing listening, connection reset, proxy refusal


class OutboundError(Exception):
    """``message`` is our own sentence for the admin: it names the host we were given and
    what went wrong, never text from the remote side (which an attacker may write)."""

    def __init__(self, failure: Failure, message: str):
        super().__init__(message)
        self.failure, self.message = failure, message

    @property
    def retryable(self) -> bool:
        return self.failure in (Failure.TIMEOUT, Failure.NETWORK)
