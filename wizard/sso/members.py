"""Who an Okta sign-in is, inside the organization only.

1. The member linked to the token's (issuer, subject) (wizard/sso/identities.py).
2. Otherwise a member with the token's email, only when the provider says
   ``email_verified`` and the domain is verified for the organization (DNS), never a
   kept-local member, and a local password account only when an EnterpriseAdmin
   allowed it; the match links the identity.
3. Otherwise, when the organization allows it, a new member (just in time), again only
   for a verified email in a verified domain, with the organization's JIT role.
"""

from .. import directory
from ..directory import grants
from ..domain import audit
from ..domain import email_domains as domains
from ..domain.failure_reasons import FailureReason
from ..domain.roles import OrgRole
from ..domain.sources import Source
from ..models import Member, SsoConfiguration
from . import identities
from .identities import IdentityLink

JIT_ROLES = (OrgRole.NONE, OrgRole.READ_ONLY, OrgRole.USER)  # never more than a member login


class SignInRefused(Exception):
    """The sign-in cannot go on; ``status``, ``title`` and ``fix`` make the error page.
    ``provider_text`` is what the provider said: for the log and the audit only."""

    def __init__(self, status: int, title: str, fix: str, reason: str, provider_text: str = ""):
        super().__init__(title)
        self.status, self.title, self.fix, self.reason = status, title, fix, reason
        self.provider_text = provider_text


UNKNOWN = (
    403,
    "You do not have an account here yet",
    "Ask your Okta admin to assign you to this app in Okta; your account "
    "arrives with the next provisioning.",
)
REFUSALS = {
    "unknown_member": UNKNOWN,
    "deactivated_member": (
        403,
        "Your account is deactivated",
        "Ask your Okta admin to assign you to this app again.",
    ),
    "email_unverified": (
        403,
        "Okta did not confirm your email address",
        "Ask your Okta admin to verify the email address on your Okta profile.",
    ),
    "email_domain_unverified": (
        403,
        "Your email domain is not verified for this organization",
        "Ask your admin to verify the domain on Integrations > Okta, then sign in again.",
    ),
    "linked_to_other_subject": (
        403,
        "Your account is linked to another Okta account",
        "Sign in with the Okta account you used before, or ask your admin for help.",
    ),
    "kept_local": (
        403,
        "This account signs in with its password only",
        "It is kept local (for example the break-glass admin): sign in with the password.",
    ),
    "local_password_account": (
        403,
        "This account has a password here",
        'Sign in with your password, then use "Link my Okta account" on your account '
        "page; or ask an EnterpriseAdmin to allow the link on your member page.",
    ),
}


def refused(reason: str) -> SignInRefused:
    return SignInRefused(*REFUSALS[reason], reason)


def member_for_claims(configuration: SsoConfiguration, claims: dict) -> Member:
    """The member this sign-in is, linking or creating one where the rules allow."""
    subject = str(claims.get("sub") or "")
    member = identities.linked_member(configuration, subject)
    if member is None:
        member = _unlinked_member(configuration, claims, subject)
    elif kept_local(configuration.connection, member):
        raise refused("kept_local")  # linked before it was kept local: the link is void
    if not member.active:
        raise refused("deactivated_member")
    identities.note_use(configuration, subject)
    return member


def _unlinked_member(configuration, claims: dict, subject: str) -> Member:
    organization = configuration.connection.organization
    email = verified_email(organization, claims)
    if not subject or not email:
        raise refused("unknown_member")
    candidate = directory.member_by_email(organization, email)
    if candidate is not None:
        return _link_by_email(configuration, candidate, subject)
    if configuration.connection.sign_in_policy.jit_enabled:
        return _just_in_time(configuration, claims, subject)
    raise refused("unknown_member")


def kept_local(connection, member: Member) -> bool:
    """Owners and the break-glass admin: the way in when Okta is down or taken over, so
    no Okta sign-in reaches them, whatever was linked before."""
    return member.keep_local or connection.sign_in_policy.break_glass_id == member.id


def verified_email(organization, claims: dict) -> str:
    """The token's email, when it may match an account: the provider verified it
    (``email_verified`` is the JSON true, not a string) and the domain is verified here."""
    email = str(claims.get("email") or "")
    if not email:
        return ""
    if claims.get("email_verified") is not True:
        raise refused("email_unverified")
    if not domains.is_verified(organization, email):
        raise refused("email_domain_unverified")
    return email


def _link_by_email(configuration, member: Member, subject: str) -> Member:
    connection = configuration.connection
    if not member.active:
        raise refused("deactivated_member")
    if identities.identity_of(member, configuration.issuer) is not None:
        raise refused("linked_to_other_subject")  # its own subject matched earlier
    if kept_local(connection, member):
        raise refused("kept_local")
    allowed = identities.link_allowed(member)
    if member.password_hash and not allowed:
        raise refused("local_password_account")
    how = IdentityLink.ADMIN_ALLOWED if allowed else IdentityLink.VERIFIED_EMAIL
    _link(configuration, member, subject, how)
    if allowed:
        identities.consume_allowance(member)
    return member


def _link(configuration, member: Member, subject: str, how: IdentityLink) -> None:
    try:
        identities.link(member, configuration, subject, how)
    except identities.LinkTaken:
        raise refused("linked_to_other_subject") from None
    audit.record(
        "member.okta_linked",
        organization=member.organization,
        actor_label="okta-sign-in",
        target=member,
        details={"how": how.value, "issuer": configuration.issuer},
    )


def _just_in_time(configuration, claims: dict, subject: str) -> Member:
    """Create the member through the same rules as SCIM (seats, duplicates), with the
    organization's JIT role: never a role from the claims."""
    connection = configuration.connection
    email = str(claims.get("email") or "")
    profile = {
        "user_name": str(claims.get("preferred_username") or email),
        "email": email,
        "given_name": str(claims.get("given_name") or ""),
        "family_name": str(claims.get("family_name") or ""),
        "display_name": str(claims.get("name") or ""),
    }
    try:
        _require_new_user_name(connection.organization, profile["user_name"])
        member = directory.create_member(
            connection.organization, profile, managed_by=Source.JIT, actor_label="okta-sign-in"
        )
    except directory.DirectoryError as error:
        audit.record(
            "sso.jit_refused",
            organization=connection.organization,
            actor_label="okta-sign-in",
            details={"reason": error.reason},
        )
        raise SignInRefused(
            403, "We could not create your account", _jit_fix(error), error.reason
        ) from None
    grants.grant_jit_role(member, jit_role(connection))
    _link(configuration, member, subject, IdentityLink.JIT)
    return member


PROFILE_FIX = (
    "Your Okta profile needs a valid email address, a first name and a last name: ask "
    "your Okta admin to complete it."
)


def _jit_fix(error) -> str:
    """The refusal page's advice: a profile problem in our own words, since the
    directory's message quotes the token's values (an "email" that is a sentence)."""
    return PROFILE_FIX if error.reason == FailureReason.INVALID_DATA else error.message


def _require_new_user_name(organization, user_name: str) -> None:
    """Just in time makes a new member, never lands on an existing row: SCIM's create
    revives a member Okta deleted under the same userName, with the grants it kept,
    and Okta reuses logins (``preferred_username``), so a newcomer would get a former
    Admin's account."""
    if directory.member_by_user_name(organization, user_name) is not None:
        raise directory.DirectoryError(
            "conflict",
            "An account with your Okta username exists here already: ask your admin to "
            "link it to your Okta account.",
        )


def jit_role(connection) -> OrgRole:
    try:
        role = OrgRole.parse(connection.sign_in_policy.jit_role)
    except ValueError:
        return OrgRole.NONE
    return role if role in JIT_ROLES else OrgRole.NONE
