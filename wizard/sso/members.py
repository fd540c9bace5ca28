"""Who an Okta sign-in is: found by stored Okta subject or by email, inside the
organization only; created just in time when the organization allows it."""

from .. import audit, directory
from ..models import Member, OktaConnection, fold


class SignInRefused(Exception):
    """The sign-in cannot go on; ``status``, ``title`` and ``fix`` make the error page."""

    def __init__(self, status: int, title: str, fix: str, reason: str):
        super().__init__(title)
        self.status, self.title, self.fix, self.reason = status, title, fix, reason


def member_for_claims(connection: OktaConnection, claims: dict) -> Member:
    organization = connection.organization
    subject, email = str(claims.get("sub") or ""), str(claims.get("email") or "")
    member = None
    if subject:
        member = Member.get_or_none(
            (Member.organization == organization) & (Member.okta_id == subject)
        )
    if member is None and email:
        member = Member.get_or_none(
            (Member.organization == organization) & (Member.email_key == fold(email))
        )
    if member is None:
        member = _just_in_time(connection, claims) if connection.jit_enabled else None
    if member is None:
        raise SignInRefused(
            403,
            "You do not have an account here yet",
            "Ask your Okta admin to assign you to this app in Okta; your account "
            "arrives with the next provisioning.",
            "unknown_member",
        )
    if not member.active:
        raise SignInRefused(
            403,
            "Your account is deactivated",
            "Ask your Okta admin to assign you to this app again.",
            "deactivated_member",
        )
    if subject and member.okta_id != subject:
        Member.update(okta_id=subject).where(Member.id == member.id).execute()
        member.okta_id = subject
    return member


def _just_in_time(connection: OktaConnection, claims: dict) -> Member | None:
    """Create the member through the same rules as SCIM (seats, duplicates)."""
    email = str(claims.get("email") or "")
    profile = {
        "user_name": str(claims.get("preferred_username") or email),
        "email": email,
        "given_name": str(claims.get("given_name") or ""),
        "family_name": str(claims.get("family_name") or ""),
        "display_name": str(claims.get("name") or ""),
    }
    try:
        member = directory.create_member(
            connection.organization, profile, managed_by="jit", actor_label="okta-sign-in"
        )
    except directory.DirectoryError as error:
        audit.record(
            "sso.jit_refused",
            organization=connection.organization,
            actor_label="okta-sign-in",
            details={"reason": error.reason},
        )
        raise SignInRefused(
            403, "We could not create your account", error.message, error.reason
        ) from None
    member.okta_id = str(claims.get("sub") or "") or None
    member.save()
    return member
