"""Okta accounts linked to members, as (issuer, subject) pairs.

A sign-in finds its member by the pair its ID token carries; a subject is only
meaningful for the issuer that minted it, so a subject from another issuer never
matches. A link is made once (by a verified-email match, the member themselves, an
EnterpriseAdmin's allowance, or just-in-time creation) and never rewritten by a sign-in.
"""

from datetime import timedelta
from enum import StrEnum

import peewee as pw

from ..models import Member, MemberIdentity, SsoConfiguration, utcnow

ALLOWANCE_LIFETIME = timedelta(days=7)  # an EnterpriseAdmin's "allow Okta link" expires


class IdentityLink(StrEnum):
    """How an identity came to be linked (``MemberIdentity.linked_by``)."""

    VERIFIED_EMAIL = "verified_email"  # email_verified + a verified domain, no password
    SELF = "self"  # the member, signed in with their password: "Link my Okta account"
    ADMIN_ALLOWED = "admin_allowed"  # an EnterpriseAdmin allowed it on the member page
    JIT = "jit"  # created on first sign-in
    MIGRATION = "migration"  # okta_id written by sign-ins before migration 011


class LinkTaken(Exception):
    """The identity or the member is already linked elsewhere."""


def linked_member(configuration: SsoConfiguration, subject: str) -> Member | None:
    """The member this identity belongs to, or None. Creates and links nothing: the
    re-authentication and link flows use it as is."""
    if not subject:
        return None
    row = (
        MemberIdentity.select(MemberIdentity, Member)
        .join(Member)
        .where(
            (MemberIdentity.organization == configuration.connection.organization_id)
            & (MemberIdentity.issuer == configuration.issuer)
            & (MemberIdentity.subject == subject)
        )
        .first()
    )
    return row.member if row is not None else None


def identity_of(member: Member, issuer: str) -> MemberIdentity | None:
    return MemberIdentity.get_or_none(
        (MemberIdentity.member == member) & (MemberIdentity.issuer == issuer)
    )


def link(
    member: Member, configuration: SsoConfiguration, subject: str, how: IdentityLink
) -> MemberIdentity:
    """Attach (issuer, subject) to ``member``; the unique indexes refuse a second link of
    either side, also when two sign-ins race."""
    try:
        return MemberIdentity.create(
            member=member,
            organization=member.organization_id,
            issuer=configuration.issuer,
            subject=subject,
            linked_by=how.value,
            last_used_at=utcnow(),
        )
    except pw.IntegrityError:
        raise LinkTaken(subject) from None


def note_use(configuration: SsoConfiguration, subject: str) -> None:
    MemberIdentity.update(last_used_at=utcnow()).where(
        (MemberIdentity.organization == configuration.connection.organization_id)
        & (MemberIdentity.issuer == configuration.issuer)
        & (MemberIdentity.subject == subject)
    ).execute()


def allow_link(member: Member) -> None:
    """An EnterpriseAdmin lets the next verified Okta sign-in with this member's email
    link their local password account (the caller audits it)."""
    member.okta_link_allowed_at = utcnow()
    member.save()


def link_allowed(member: Member) -> bool:
    allowed = member.okta_link_allowed_at
    return allowed is not None and utcnow() - allowed < ALLOWANCE_LIFETIME


def consume_allowance(member: Member) -> None:
    Member.update(okta_link_allowed_at=None).where(Member.id == member.id).execute()
    member.okta_link_allowed_at = None
