"""One-time links to set a password (after conversion to local management, or a reset),
and how each reaches its member without becoming a way to take the account over.

With mail configured the link goes to the member's own address and is never shown to
anyone. Without mail it is shown once to an EnterpriseAdmin, who hands it over, but
never for another EnterpriseAdmin (that would let one EnterpriseAdmin become another);
for anyone else it is withheld and not even made. Every issue is audited with its
delivery, never with the link.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import current_app

from .. import mail
from ..db import database
from ..models import Member, PasswordSetLink, utcnow
from ..security import new_token, token_digest
from . import audit
from .roles import OrgRole
from .sources import Source

LIFETIME = timedelta(days=7)


class Delivery(StrEnum):
    EMAIL = "email"
    SHOWN = "shown"
    WITHHELD = "withheld"


class Reason(StrEnum):
    CONVERSION = "conversion"
    RESET = "reset"


@dataclass(frozen=True)
class IssuedLink:
    member: Member
    delivery: Delivery
    url: str | None = None  # only when shown
    mail_failed: bool = False


def delivery_for(actor: Member, member: Member) -> Delivery:
    if mail.configured():
        return Delivery.EMAIL
    if actor.org_role is not OrgRole.ENTERPRISE_ADMIN:
        return Delivery.WITHHELD
    if member.org_role is OrgRole.ENTERPRISE_ADMIN and member.id != actor.id:
        return Delivery.WITHHELD
    return Delivery.SHOWN


def issue(member: Member, *, actor: Member, reason: Reason) -> IssuedLink:
    """Make and deliver ``member``'s link as ``delivery_for`` decides; audited."""
    delivery = delivery_for(actor, member)
    result = IssuedLink(member, delivery)
    if delivery is not Delivery.WITHHELD:
        link, url = _create(member)
        if delivery is Delivery.EMAIL:
            result = _email(link, url, reason)
        else:
            result = IssuedLink(member, delivery, url)
    details = {"delivery": result.delivery.value, "reason": reason.value}
    if result.mail_failed:
        details["mail_failed"] = True
    audit.record(
        "password_link.issued",
        organization=member.organization,
        actor=actor,
        target=member,
        details=details,
    )
    return result


def find(token: str) -> PasswordSetLink | None:
    """The live link for ``token`` (unused, not expired), or None. A link sets a password
    only while its member is active and locally managed: once Okta takes the member over,
    a password of ours would be a way around Okta's sign-in policy."""
    link = PasswordSetLink.get_or_none(PasswordSetLink.digest == token_digest(token or ""))
    if link is None or link.used_at is not None or link.expires_at < utcnow():
        return None
    member = link.member
    if not member.active or member.managed_by != Source.LOCAL:
        return None
    return link


def void_for(member: Member) -> int:
    """End the member's outstanding links (their role changed: a link shown while they
    were a User must not open an EnterpriseAdmin's account); returns how many."""
    return (
        PasswordSetLink.delete()
        .where((PasswordSetLink.member == member.id) & PasswordSetLink.used_at.is_null())
        .execute()
    )


def _create(member: Member) -> tuple[PasswordSetLink, str]:
    """A new link; only its digest is stored, the URL exists in this answer only."""
    token = new_token("okcp_", 24)
    link = PasswordSetLink.create(
        member=member, digest=token_digest(token), expires_at=utcnow() + LIFETIME
    )
    return link, f"{current_app.config['PUBLIC_BASE_URL']}/account/set-password/{token}"


SUBJECTS = {
    Reason.CONVERSION: "Set a password for {organization}",
    Reason.RESET: "Reset your password for {organization}",
}
BODY = """Hello,

{why} Open this link to set your password; it works once, for {days} days:

{url}

If you did not expect this message, ignore it: nothing changes until the link is used.
"""
WHY = {
    Reason.CONVERSION: "Your account at {organization} no longer signs in with Okta.",
    Reason.RESET: "An admin of {organization} sent you a link to set a new password.",
}


def _email(link: PasswordSetLink, url: str, reason: Reason) -> IssuedLink:
    member = link.member
    organization = member.organization.name
    body = BODY.format(
        why=WHY[reason].format(organization=organization), days=LIFETIME.days, url=url
    )
    try:
        mail.send(member.email, SUBJECTS[reason].format(organization=organization), body)
    except OSError as exc:  # smtplib's errors are OSErrors too
        # The link never reached anyone: remove it rather than leave a live one behind.
        link.delete_instance()
        current_app.logger.warning("Mail to a member failed: %s", type(exc).__name__)
        return IssuedLink(member, Delivery.WITHHELD, mail_failed=True)
    return IssuedLink(member, Delivery.EMAIL)


def redeem(link: PasswordSetLink, password: str) -> bool:
    """Use the link once and set the password: the link is claimed with a conditional
    UPDATE first, so two requests at once cannot both set a password with it. A refused
    password (accounts.AccountError) rolls the claim back: the link still works."""
    from . import accounts

    with database.atomic():
        claimed = (
            PasswordSetLink.update(used_at=utcnow())
            .where((PasswordSetLink.id == link.id) & PasswordSetLink.used_at.is_null())
            .execute()
        )
        if not claimed:
            return False
        accounts.set_password(link.member, password)
    return True
