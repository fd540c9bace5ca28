"""What a verified callback does in the modes that sign nobody new in: the wizard's test
sign-in (which may make a pending configuration live), a re-authentication before a
critical action, and "Link my Okta account"."""

import time

from flask import flash, redirect, request, session, url_for
from flask_login import current_user

from ..domain import audit, setup_links
from ..domain import email_domains as domains
from ..models import SsoState, fold
from ..permissions import Action, allowed
from ..sso import configurations as sso_configurations
from ..sso import identities
from ..sso.identities import IdentityLink
from ..sso.members import SignInRefused, kept_local, refused
from . import fresh

REAUTH_MAX_AGE = 300  # seconds: Okta's auth_time must be this recent for a confirmation
CLOCK_LEEWAY = 60  # seconds Okta's clock may run ahead of ours (as for the ID token)


def is_member_of(organization) -> bool:
    return (
        current_user.is_authenticated
        and not current_user.is_staff
        and current_user.organization_id == organization.id
    )


def may_test(organization) -> bool:
    """Admins of the organization and holders of its setup link (TEST_SSO)."""
    if current_user.is_authenticated:
        return is_member_of(organization) and allowed(Action.TEST_SSO)
    link = setup_links.from_session()
    return (
        link is not None
        and link.organization_id == organization.id
        and allowed(Action.TEST_SSO, setup_link=link)
    )


def may_activate(organization) -> bool:
    """Only a signed-in EnterpriseAdmin of the organization (never a setup link)."""
    return is_member_of(organization) and allowed(Action.ACTIVATE_SSO)


def may_link(organization) -> bool:
    """A member signed in with their password links their own account; kept-local
    members (break-glass, owners) never link."""
    return (
        is_member_of(organization)
        and bool(current_user.password_hash)
        and not current_user.keep_local
    )


def tester_label() -> str:
    if current_user.is_authenticated:
        return current_user.email
    link = setup_links.from_session()
    return f"setup link {link.id}" if link is not None else "unknown"


def finish_test(configuration, claims: dict, back: str | None = None):
    """Shows the verified claims where the test started (``back``: the hub's SSO tab,
    else the wizard). A pass by an EnterpriseAdmin makes a pending configuration live;
    anyone else's pass only records the result."""
    connection = configuration.connection
    email = str(claims.get("email") or "")
    shown = {k: claims.get(k) for k in ("sub", "email", "name", "iss", "aud") if claims.get(k)}
    problems = []
    claimed = sorted(claim.domain for claim in domains.claims_of(connection.organization))
    if "@" not in email or domains.domain_of(email) not in claimed:
        problems.append(
            f"The email {email or '(none)'} is outside {', '.join(claimed) or 'your domains'}: "
            "check the primary email domain, or the user's Okta profile."
        )
    ok, activated = not problems, False
    if ok:
        sso_configurations.record_test(configuration, tester_label=tester_label())
        if configuration.state == SsoState.PENDING and may_activate(connection.organization):
            sso_configurations.activate(
                configuration,
                actor=current_user._get_current_object(),
                details={"tested": True},
            )
            activated = True
    session["sso_test"] = {
        "ok": ok,
        "claims": shown,
        "problems": problems,
        "activated": activated,
        "pending": configuration.state == SsoState.PENDING,
    }
    audit.record(
        "sso.test_sign_in",
        organization=connection.organization,
        actor=current_user if current_user.is_authenticated else None,
        actor_label=None if current_user.is_authenticated else tester_label(),
        target=configuration,
        details={"ok": ok, "state": configuration.state, "activated": activated},
        ip=request.remote_addr or "",
    )
    return redirect(back or url_for("connect.step", slug="sso"))


def finish_reauth(configuration, claims: dict, state: dict):
    """A confirmation signs nobody new in: the Okta account must be linked to the
    signed-in member, and Okta must have asked for the credentials just now."""
    member = identities.linked_member(configuration, str(claims.get("sub") or ""))
    if member is not None and kept_local(configuration.connection, member):
        raise refused("kept_local")  # their password confirms, never Okta
    if member is None or not current_user.is_authenticated or member.id != current_user.id:
        raise SignInRefused(
            403,
            "That is another Okta account",
            "Confirm with the Okta account you signed in with.",
            "reauth_other_member",
        )
    if not _asked_just_now(claims.get("auth_time")):
        raise SignInRefused(
            401,
            "Okta did not ask for your sign-in again",
            "Sign in to Okta again when it asks, then retry.",
            "reauth_stale",
        )
    fresh.mark_authenticated()
    audit.record_request("auth.confirmed", organization=member.organization, target=member)
    return redirect(state.get("n") or url_for("auth.account"))


def _asked_just_now(auth_time) -> bool:
    """We ask with ``max_age=0``, so the ID token must carry ``auth_time`` (OpenID
    Connect Core §3.1.2.1); without it, or with one out of the window (a session the
    provider kept, a clock from the future), nobody proved anything just now."""
    if isinstance(auth_time, bool) or not isinstance(auth_time, int | float):
        return False
    return -CLOCK_LEEWAY <= time.time() - auth_time <= REAUTH_MAX_AGE


def finish_link(configuration, claims: dict):
    """ "Link my Okta account": the signed-in member (password) attaches the Okta
    account they just signed in with, when it is free and vouches for their email."""
    member = current_user._get_current_object()
    if not may_link(configuration.connection.organization):
        raise _link_refused("This account cannot be linked to Okta", "link_not_allowed")
    subject = str(claims.get("sub") or "")
    owner = identities.linked_member(configuration, subject)
    if owner is not None and owner.id == member.id:
        flash("Your Okta account is already linked.", "info")
        return redirect(url_for("auth.account"))
    if owner is not None or identities.identity_of(member, configuration.issuer):
        raise _link_refused("That Okta account or yours is linked already", "link_taken")
    if claims.get("email_verified") is not True or fold(claims.get("email")) != member.email_key:
        raise _link_refused("Okta vouched for another email address", "link_email_mismatch")
    try:
        identities.link(member, configuration, subject, IdentityLink.SELF)
    except identities.LinkTaken:
        raise _link_refused("That Okta account or yours is linked already", "link_taken") from None
    audit.record_request(
        "member.okta_linked",
        organization=member.organization,
        target=member,
        details={"how": IdentityLink.SELF.value, "issuer": configuration.issuer},
    )
    flash("Your Okta account is linked: you can sign in with Okta now.", "success")
    return redirect(url_for("auth.account"))


def _link_refused(title: str, reason: str) -> SignInRefused:
    return SignInRefused(
        403,
        title,
        "Sign in to Okta with your own account (the one with your email address), or ask "
        "an EnterpriseAdmin for help.",
        reason,
    )
