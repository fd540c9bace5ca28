"""Email domains an organization claims, and the verified ones that route sign-ins.

A domain routes the email-first sign-in to an organization's Okta, and lets an Okta
sign-in match an existing account by email, only once verified: anyone can type
``acme.com`` into a form, only Acme can publish a TXT record under it. At most one
organization holds a domain verified; others may claim it (pending) without effect.
"""

import re
import secrets

from .models import EmailDomain, Organization

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
VERIFIED = "verified"


class DomainError(ValueError):
    """A domain claim or check was refused; the message is shown as is."""


def normalize(value: str) -> str:
    domain = (value or "").strip().lower().lstrip("@").rstrip(".")
    if not DOMAIN.match(domain):
        raise DomainError("Enter the domain of your people's email addresses, e.g. acme.com.")
    return domain


def domain_of(email: str) -> str:
    return (email or "").rsplit("@", 1)[-1].strip().lower().rstrip(".")


def claim(organization: Organization, domain: str) -> tuple[EmailDomain, bool]:
    """The organization's claim on ``domain`` (created pending if new); True when new."""
    domain = normalize(domain)
    existing = EmailDomain.get_or_none(
        (EmailDomain.organization == organization) & (EmailDomain.domain == domain)
    )
    if existing is not None:
        return existing, False
    row = EmailDomain.create(
        organization=organization, domain=domain, token=secrets.token_urlsafe(24)
    )
    return row, True


def claims_of(organization: Organization) -> list[EmailDomain]:
    return list(
        EmailDomain.select()
        .where(EmailDomain.organization == organization)
        .order_by(EmailDomain.domain)
    )


def verified_domains(organization: Organization) -> set[str]:
    query = EmailDomain.select(EmailDomain.domain).where(
        (EmailDomain.organization == organization) & (EmailDomain.status == VERIFIED)
    )
    return {domain for (domain,) in query.tuples()}


def is_verified(organization: Organization, domain: str) -> bool:
    return domain_of(domain) in verified_domains(organization)


def organization_for_email(email: str) -> Organization | None:
    """The organization holding the email's domain verified, if any."""
    row = (
        EmailDomain.select(EmailDomain, Organization)
        .join(Organization)
        .where((EmailDomain.domain == domain_of(email)) & (EmailDomain.status == VERIFIED))
        .first()
    )
    return row.organization if row is not None else None
