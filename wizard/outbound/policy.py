"""Where an outbound request may go, decided before any byte is sent.

A target must be https (plain http only to this machine, in development), on Okta's own
domains or one of the organization's trusted hosts (``TrustedHost``, added by an
EnterpriseAdmin), and every address its name resolves to must be public. The checked
address is returned so the transport connects to it and nothing else (a second DNS answer
cannot swap it: DNS rebinding).

``OUTBOUND_ALLOW_LOOPBACK`` (development only, refused in production by config.py) lets
loopback hosts through, with plain http, without the allowed-host list, so the
emulators and test providers on 127.0.0.1 work. Simulated Okta (``SIMULATED_OKTA``,
development only) opens exactly its own address: its origin and the paths below
``/simulated-okta``, nothing else on this machine. With ``OUTBOUND_PROXY`` the egress proxy
resolves the name and refuses internal addresses itself; we still check the host.
``OUTBOUND_CA_BUNDLE`` names the CA certificates to verify servers with, for a provider
whose certificate comes from a private CA (default: the public ones).
"""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flask import current_app, has_app_context

from .. import dns
from ..models import TrustedHost
from .addresses import AddressKind, describe, kind_of, parse

OKTA_DOMAINS = ("okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "okta.mil")
DEFAULT_PORTS = {"https": 443, "http": 80}
HOST_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789-.")
HOW_TO_ALLOW = (
    "an EnterpriseAdmin can add it under Integrations > Okta > Trusted hosts if it is your "
    "Okta custom domain or your OpenID provider"
)


class Refused(ValueError):
    """The target breaks a rule; the message is ours and names the host, never remote text."""


class NameNotResolved(Exception):
    """The name could not be resolved: not a refusal, the admin may have made a typo."""

    def __init__(self, host: str, missing: bool):
        super().__init__(host)
        self.host, self.missing = host, missing


@dataclass(frozen=True)
class Target:
    """A checked target: connect to ``address`` (None: through the egress proxy), speak to
    ``host`` (TLS server name, certificate, Host header)."""

    scheme: str
    host: str
    port: int
    address: str | None

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def is_name(self) -> bool:
        return parse(self.host) is None


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in: what "same origin" compares."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = -1
    return scheme, host, port


def same_origin(url: str, other: str) -> bool:
    return origin_of(url) == origin_of(other)


def is_okta_domain(host: str) -> bool:
    """``*.okta.com`` and Okta's other clouds: a tenant, never the bare domain."""
    return any(host.endswith(f".{domain}") for domain in OKTA_DOMAINS)


def _trusted_hosts(organization_id: int | None) -> frozenset[str]:
    if organization_id is None:
        return frozenset()
    rows = TrustedHost.select(TrustedHost.host).where(TrustedHost.organization == organization_id)
    return frozenset(row.host for row in rows)


@dataclass(frozen=True)
class Policy:
    """The rules in force when a session was made: the app's settings and the
    organization's trusted hosts, read once (a session may be used from worker threads,
    outside the app). ``origin`` narrows them to one server: the sign-in library talks to
    the issuer and nothing else."""

    allow_loopback: bool = False
    proxy: str | None = None
    resolver: str | None = None  # DNS_RESOLVER
    ca_bundle: str | None = None  # OUTBOUND_CA_BUNDLE: a private CA (self-hosted provider)
    trusted_hosts: frozenset[str] = frozenset()
    origin: str | None = None
    simulated_okta: str | None = None  # SIMULATED_OKTA_URL: the one loopback address allowed

    @classmethod
    def current(cls, organization_id: int | None = None, origin: str | None = None) -> "Policy":
        """Outside an app, production's rules (nothing loopback) and no trusted hosts."""
        if not has_app_context():
            return cls(origin=origin)
        config = current_app.config
        return cls(
            allow_loopback=bool(config.get("OUTBOUND_ALLOW_LOOPBACK")),
            proxy=config.get("OUTBOUND_PROXY") or None,
            resolver=config.get("DNS_RESOLVER") or None,
            ca_bundle=config.get("OUTBOUND_CA_BUNDLE") or None,
            trusted_hosts=_trusted_hosts(organization_id),
            origin=origin,
            simulated_okta=config.get("SIMULATED_OKTA_URL") or None,
        )

    def check(self, url: str) -> Target:
        scheme, host, port = self._parts(url)
        if self.origin is not None and (scheme, host, port) != origin_of(self.origin):
            raise Refused(
                f"{host} is not the issuer's server: every request of the sign-in goes to "
                f"{origin_of(self.origin)[1]} only."
            )
        simulated = self._simulated_okta(url, scheme, host, port)
        if simulated is not None:
            return simulated
        address = self._address(host)
        loopback = address is not None and kind_of(parse(address)) is AddressKind.LOOPBACK
        if scheme != "https" and not (self.allow_loopback and loopback):
            raise Refused(f"http://{host} is not https: outbound requests use https only.")
        return Target(scheme, host, port, address)

    def _simulated_okta(self, url: str, scheme: str, host: str, port: int) -> Target | None:
        """Simulated Okta's own address (config.py makes it a loopback one, over http
        in development only): its origin, and its path or a path below it."""
        if not self.simulated_okta or (scheme, host, port) != origin_of(self.simulated_okta):
            return None
        prefix, path = urlsplit(self.simulated_okta).path, urlsplit(url).path
        if path != prefix and not path.startswith(prefix + "/"):
            return None
        if {".", ".."} & set(unquote(path).split("/")):  # no way out of the prefix
            return None
        literal = parse(host)
        return Target(scheme, host, port, str(literal) if literal else "127.0.0.1")

    def _parts(self, url: str) -> tuple[str, str, int]:
        parts = urlsplit(url)
        if "@" in parts.netloc:
            raise Refused("The URL must not contain a user name or password.")
        scheme, host, port = origin_of(url)
        if scheme not in DEFAULT_PORTS or not host or port <= 0:
            raise Refused("Enter an https:// address with a host name.")
        if not set(host) <= HOST_CHARACTERS | set(":%"):  # the host appears in our messages
            raise Refused("The address's host is not a valid host name.")
        return scheme, host, port

    def _address(self, host: str) -> str | None:
        """The address to connect to, after every rule on the host and its addresses."""
        literal = parse(host)
        if literal is not None:
            kind = kind_of(literal)
            if kind is AddressKind.LOOPBACK and self.allow_loopback:
                return str(literal)
            if kind is AddressKind.PUBLIC:
                raise Refused(
                    f"{host} is an IP address: enter the host name instead (an Okta domain, "
                    "or a trusted host)."
                )
            raise Refused(
                f"{host} is {describe(literal, kind)}: we only connect to public addresses."
            )
        if host == "localhost" or host.endswith(".localhost"):
            if self.allow_loopback:
                return "127.0.0.1"
            raise Refused(f"{host} is this machine (a loopback address): it is never fetched.")
        self._check_allowed(host)
        return None if self.proxy else self._resolve(host)

    def _check_allowed(self, host: str) -> None:
        if not set(host) <= HOST_CHARACTERS:
            raise Refused("The address's host is not a valid host name.")
        if is_okta_domain(host) or host in self.trusted_hosts:
            return
        raise Refused(
            f"{host} is not an Okta domain ({', '.join('*.' + d for d in OKTA_DOMAINS)}) "
            f"and not one of this organization's trusted hosts: {HOW_TO_ALLOW}."
        )

    def _resolve(self, host: str) -> str:
        """Every address of ``host`` must be allowed (one bad answer refuses the name, since
        the client could pick any of them); the first is the one we connect to."""
        try:
            found = dns.addresses(host, self.resolver)
        except dns.LookupFailed:
            raise NameNotResolved(host, missing=False) from None
        if not found:
            raise NameNotResolved(host, missing=True)
        for text in found:
            address = parse(text)
            kind = kind_of(address)
            if kind is AddressKind.LOOPBACK and self.allow_loopback:
                continue
            if kind is not AddressKind.PUBLIC:
                raise Refused(
                    f"{host} resolves to {address}, {describe(address, kind)}: we only connect "
                    "to public addresses."
                )
        return found[0]
