"""Which way a person signs in: Okta for an SSO domain, the password otherwise, and
the password refused where the organization requires Okta (except its break-glass
admin, whose every use is audited)."""

from urllib.parse import urlencode

from flask import current_app, url_for

from ..domain import email_domains as domains
from ..models import Member, MemberIdentity, OktaConnection, Organization
from ..sso.configurations import live
from ..sso.settings import redirect_uris


class PasswordRefused(Exception):
    pass


def sso_connection_for_email(email: str) -> OktaConnection | None:
    """Home-realm discovery: only a verified domain routes (a claim anyone can type)."""
    organization = domains.organization_for_email(email)
    if organization is None:
        return None
    connection = OktaConnection.get_or_none(OktaConnection.organization == organization)
    if connection is None or live(connection) is None:
        return None
    if not organization.enterprise_enabled:
        return None
    return connection


def okta_start_url(connection: OktaConnection, form) -> str:
    params = {"login_hint": form.email.data}
    if form.next.data:
        params["next"] = form.next.data
    return url_for("auth.okta_start", slug=connection.organization.slug, **params)


def check_password_allowed(member: Member) -> bool:
    """Raise when the organization requires Okta; True when the break-glass admin uses
    the password anyway (the caller audits it)."""
    if member.is_staff or member.organization_id is None:
        return False
    connection = OktaConnection.get_or_none(OktaConnection.organization == member.organization_id)
    if connection is None or not connection.sign_in_policy.sso_enforced:
        return False
    if connection.sign_in_policy.break_glass_id == member.id:
        return True
    raise PasswordRefused(
        "Your organization signs in with Okta: leave the password empty and continue."
    )


def password_counts(member: Member) -> bool:
    """Whether the member's password proves it is them: they have one, and their
    organization does not require Okta (or they are its break-glass admin). A password
    that cannot sign in must not confirm a critical action either."""
    if not member.password_hash:
        return False
    try:
        check_password_allowed(member)
    except PasswordRefused:
        return False
    return True


def okta_reauth_url(member: Member, next_path: str) -> str | None:
    """Where a member confirms with Okta (``prompt=login``), when their organization
    signs in with Okta; None for members without it (staff, password-only orgs)."""
    if member.is_staff or member.organization_id is None:
        return None
    connection = OktaConnection.get_or_none(OktaConnection.organization == member.organization_id)
    if live(connection) is None:
        return None
    return url_for("auth.okta_start", slug=member.organization.slug, mode="reauth", next=next_path)


def okta_link_slug(member: Member) -> str | None:
    """The organization slug for "Link my Okta account", when this member may link: a
    local password account, not kept local, not linked to the live issuer yet."""
    if member.is_staff or member.organization_id is None or not member.password_hash:
        return None
    if member.keep_local:
        return None
    configuration = live(
        OktaConnection.get_or_none(OktaConnection.organization == member.organization_id)
    )
    if configuration is None:
        return None
    linked = MemberIdentity.select().where(
        (MemberIdentity.member == member) & (MemberIdentity.issuer == configuration.issuer)
    )
    return None if linked.exists() else member.organization.slug


def okta_logout_url(sso_session: dict | None) -> str | None:
    """Okta's end-session URL with our logout redirect URI, when Okta offers one."""
    if not sso_session:
        return None
    organization = Organization.get_or_none(Organization.slug == sso_session.get("org"))
    configuration = live(OktaConnection.get_or_none(OktaConnection.organization == organization))
    if configuration is None:
        return None
    # Imported here: the sso package imports the auth views, which import this module.
    from ..sso.clients import client_for

    try:
        metadata = client_for(configuration).load_server_metadata()
    except Exception:  # Okta unreachable: sign out here at least
        current_app.logger.warning("could not load Okta metadata for sign-out")
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    params = {"post_logout_redirect_uri": redirect_uris(organization)["logout"]}
    if sso_session.get("id_token"):
        params["id_token_hint"] = sso_session["id_token"]
    return f"{endpoint}?{urlencode(params)}"
