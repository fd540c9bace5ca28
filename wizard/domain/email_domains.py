"""Email domains an organization claims, and the verified ones that route sign-ins.

A domain routes the email-first sign-in to an organization's Okta, and lets an Okta
sign-in match an existing account by email, only once verified: anyone can type
``acme.com`` into a form, only Acme can publish a TXT record under it
(wizard/domain/email_domain_verification.py). At most one organization holds a domain verified
(a partial unique index, migration 014); others may claim it (pending) without effect.
"""

import re
import secrets
from enum import StrEnum

from ..models import EmailDomain, Organization
from .refused_email_domains import refusal

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DomainStatus(StrEnum):
    PENDING = "pending"  # claimed, not proven: routes and matches nothing
    VERIFIED = "verified"  # proven (DNS, or an operator's --skip-dns)
    LAPSED = "lapsed"  # its record went missing past the grace period


class VerifyMethod(StrEnum):
    DNS = "dns"
    SKIP_DNS = "skip_dns"  # the CLI, for installs without public DNS (audited)


VERIFIED = DomainStatus.VERIFIED


class DomainError(ValueError):
    """A domain claim or check was refused; the message is shown as is."""


def normalize(value: str) -> str:
    domain = (value or "").strip().lower().lstrip("@").rstrip(".")
    if not DOMAIN.match(domain):
        raise DomainError("Enter the domain of your people's email addresses, e.g. acme.com.")
    return domain


def domain_of(email: str) -> str:
    return (email or "").rsplit("@", 1)[-1].strip().lower().rstrip(".")


def holder(domain: str) -> Organization | None:
    """The organization holding ``domain`` verified, if any."""
    row = (
        EmailDomain.select(EmailDomain, Organization)
        .join(Organization)
        .where((EmailDomain.domain == domain) & (EmailDomain.status == VERIFIED))
        .first()
    )
    return row.organization if row is not None else None


TAKEN = (
    "{domain} already belongs to another organization. "
    "Ask our support team if it should move to you."
)


def check_claimable(organization: Organization, domain: str) -> str:
    """The normalized domain, or DomainError: malformed, free-mail, disposable, or
    verified by another organization."""
    domain = normalize(domain)
    reason = refusal(domain)
    if reason:
        raise DomainError(reason)
    owner = holder(domain)
    if owner is not None and owner.id != organization.id:
        raise DomainError(TAKEN.format(domain=domain))
    return domain


def claim(organization: Organization, domain: str) -> tuple[EmailDomain, bool]:
    """The organization's claim on ``domain`` (created pending if new); True when new."""
    domain = normalize(domain)
    existing = claim_of(organization, domain)
    if existing is not None:
        return existing, False
    domain = check_claimable(organization, domain)
    row = EmailDomain.create(
        organization=organization, domain=domain, token=secrets.token_urlsafe(24)
    )
    return row, True


def claim_of(organization: Organization, domain: str) -> EmailDomain | None:
    return EmailDomain.get_or_none(
        (EmailDomain.organization == organization) & (EmailDomain.domain == domain)
    )


def claims_of(organization: Organization) -> list[EmailDomain]:
    return list(
        EmailDomain.select()
        .where(EmailDomain.organization == organization)
        .order_by(EmailDomain.domain)
    )


def primary_domain(organization: Organization) -> str | None:
    """What the wizard's "Primary email domain" field shows: the first claim made."""
    row = (
        EmailDomain.select(EmailDomain.domain)
        .where(EmailDomain.organization == organization)
        .order_by(EmailDomain.created_at, EmailDomain.id)
        .first()
    )
    return row.domain if row is not None else None


def remove(claim: EmailDomain) -> None:
    """Forget a claim (an admin's removal, or support's release): from now on the domain
    routes nothing here and another organization may prove it."""
    EmailDomain.delete().where(EmailDomain.id == claim.id).execute()


def verified_domains(organization: Organization) -> set[str]:
    query = EmailDomain.select(EmailDomain.domain).where(
        (EmailDomain.organization == organization) & (EmailDomain.status == VERIFIED)
    )
    return {domain for (domain,) in query.tuples()}


def is_verified(organization: Organization, domain: str) -> bool:
    return domain_of(domain) in verified_domains(organization)


def organization_for_email(email: str) -> Organization | None:
    """The organization holding the email's domain verified, if any."""
    return holder(domain_of(email))
