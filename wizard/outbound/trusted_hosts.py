"""An organization's trusted hosts: names outside Okta's domains that its outbound
requests may go to, each added explicitly by an EnterpriseAdmin (the view audits it).

Only exact host names: no IP addresses (a certificate names a host, and an address is
on nobody's list by accident), no wildcards, nothing on Okta's own domains (always
allowed already). The address rules still apply to a trusted host.
"""

import re
from urllib.parse import urlsplit

import peewee as pw

from ..models import Member, Organization, TrustedHost
from .addresses import parse
from .policy import is_okta_domain

HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$"
)


class TrustedHostError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def host_from_input(value: str) -> str:
    """``sso.acme.com`` or a URL on it (``https://sso.acme.com/oauth2/default``) -> the name."""
    text = (value or "").strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.rstrip(".")
    try:
        text = text.encode("idna").decode("ascii") if text else text
    except UnicodeError:
        raise TrustedHostError(f"{value!r} is not a valid host name.") from None
    if parse(text) is not None:
        raise TrustedHostError("Enter a host name, not an IP address.")
    if text == "localhost" or text.endswith(".localhost") or not HOST_NAME.match(text):
        raise TrustedHostError("Enter a host name such as sso.acme.com (no wildcards).")
    if is_okta_domain(text):
        raise TrustedHostError(f"{text} is an Okta domain: it is always allowed.")
    return text


def for_organization(organization: Organization):
    return (
        TrustedHost.select()
        .where(TrustedHost.organization == organization)
        .order_by(TrustedHost.host)
    )


def add(organization: Organization, value: str, actor: Member | None) -> TrustedHost:
    host = host_from_input(value)
    try:
        return TrustedHost.create(organization=organization, host=host, added_by=actor)
    except pw.IntegrityError:
        raise TrustedHostError(f"{host} is already a trusted host.") from None


def remove(trusted: TrustedHost) -> None:
    """Our server no longer sends requests to this host (policy.py reads the table per request)."""
    trusted.delete_instance()
