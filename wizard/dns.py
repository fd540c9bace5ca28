"""DNS lookups we make ourselves: TXT records for domain verification, and the addresses
an outbound request may connect to.

One resolver for both, so a test (or an operator without public DNS) points it at one
server with ``DNS_RESOLVER=host:port``; unset, it reads the system's configuration
(``/etc/resolv.conf``). Every lookup has a short lifetime: an admin waits on the page.
"""

from dataclasses import dataclass

import dns.exception
import dns.resolver
from flask import current_app, has_app_context

LIFETIME = 5.0  # seconds for one lookup, retries included


class LookupFailed(Exception):
    """The name could not be looked up (timeout, no server); not the same as 'no such
    record', which returns an empty answer."""


@dataclass(frozen=True)
class ResolverSetting:
    host: str
    port: int


def parse_resolver(value: str) -> ResolverSetting:
    """``host:port`` (``[::1]:53`` for IPv6); raises ValueError with the expected form."""
    text = (value or "").strip()
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("DNS_RESOLVER must be host:port, e.g. 127.0.0.1:5353")
    return ResolverSetting(host, int(port))


def resolver(setting: str | None = None) -> dns.resolver.Resolver:
    """The resolver ``setting`` names (``host:port``), else the app's ``DNS_RESOLVER``,
    else the system's. Code running outside the app (a worker thread) passes the setting."""
    if setting is None and has_app_context():
        setting = current_app.config.get("DNS_RESOLVER")
    if not setting:
        made = dns.resolver.Resolver()
    else:
        parsed = parse_resolver(setting)
        made = dns.resolver.Resolver(configure=False)
        made.nameservers = [parsed.host]
        made.port = parsed.port
    made.lifetime = made.timeout = LIFETIME
    return made


def _answer(name: str, kind: str, setting: str | None = None):
    try:
        return resolver(setting).resolve(name, kind, search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.resolver.NoNameservers, dns.exception.Timeout, dns.resolver.LifetimeTimeout):
        raise LookupFailed(f"the DNS lookup of {name} ({kind}) did not complete") from None
    except dns.exception.DNSException:
        raise LookupFailed(f"the DNS lookup of {name} ({kind}) failed") from None


def txt_records(name: str) -> list[str]:
    """Every TXT string at ``name`` (the parts of one record joined, RFC 7208 §3.3)."""
    return [b"".join(record.strings).decode("utf-8", "replace") for record in _answer(name, "TXT")]


def addresses(host: str, setting: str | None = None) -> list[str]:
    """Every IPv4 and IPv6 address of ``host``; empty when the name has none."""
    found = [record.address for record in _answer(host, "A", setting)]
    found += [record.address for record in _answer(host, "AAAA", setting)]
    return found
