"""The OpenID Connect flow: start, callback, signed-out. Real sign-in and the wizard's
test sign-in share the one login redirect URI; the mode travels in the signed state."""

import secrets
import time

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc.errors import JoseError

from .. import audit, connections, outbound
from ..auth import fresh
from ..auth.views import home_for, safe_next
from ..models import Organization, utcnow
from ..roles import OrgRole
from ..sso_settings import redirect_uris
from .clients import client_for
from .members import SignInRefused, member_for_claims

bp = Blueprint("sso", __name__, url_prefix="/login/okta/<slug>")
STATE_SALT = "okta-sso-state"
STATE_MAX_AGE = 600  # seconds for the round trip through Okta
MODES = ("signin", "test", "reauth")  # reauth: a fresh sign-in before a critical action
OKTA_ERRORS = {
    "access_denied": (
        403,
        "Okta did not let you in",
        "Ask your Okta admin to assign you to the sign-in app in Okta.",
    ),
    "invalid_client": (
        400,
        "Okta does not recognise this app",
        "Check the Client ID and secret on the Single sign-on step.",
    ),
    "invalid_request": (
        400,
        "Okta refused the sign-in request",
        "Register the sign-in redirect URI shown in the wizard in Okta.",
    ),
    "unauthorized_client": (
        400,
        "The Okta app may not sign people in this way",
        "Enable the Authorization Code grant on the Okta app.",
    ),
}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=STATE_SALT)


def _connection(slug: str):
    organization = Organization.get_or_none(Organization.slug == slug)
    connection = connections.connection_for(organization) if organization else None
    if connection is None or not connection.sso_configured_at:
        abort(404)
    return connection


@bp.get("")
def start(slug: str):
    connection = _connection(slug)
    mode = request.args.get("mode") if request.args.get("mode") in MODES else "signin"
    if mode == "test" and not _is_admin_of(connection.organization):
        abort(403)
    if mode == "reauth" and not _is_member_of(connection.organization):
        abort(403)
    state = _serializer().dumps(
        {"m": mode, "n": safe_next(request.args.get("next")) or "", "r": secrets.token_urlsafe(8)}
    )
    hint = request.args.get("login_hint", "")[:254]
    extra = {"login_hint": hint} if hint else {}
    if mode == "reauth":
        # OpenID Connect Core §3.1.2.1: make Okta ask again rather than reuse its session.
        extra.update(prompt="login", max_age=0, login_hint=current_user.email)
    try:
        client = client_for(connection)
        return client.authorize_redirect(
            redirect_uris(connection.organization)["login"], state=state, **extra
        )
    except (*outbound.REQUEST_FAILURES, ValueError, KeyError) as exc:
        return _refuse(
            connection,
            mode,
            _unreachable(
                exc, "Try again in a minute; if it persists, check the Okta domain in the wizard."
            ),
        )


@bp.get("/callback")
def callback(slug: str):
    connection = _connection(slug)
    try:
        state = _serializer().loads(request.args.get("state", ""), max_age=STATE_MAX_AGE)
    except BadSignature:
        return _refuse(
            connection,
            "signin",
            SignInRefused(
                400,
                "This sign-in link is not valid any more",
                "Start again from the sign-in page.",
                "bad_state",
            ),
        )
    mode = state.get("m", "signin")
    try:
        claims = _verified_claims(connection)
        if mode == "test":
            return _finish_test(connection, claims)
        member = member_for_claims(connection, claims)
        if mode == "reauth":
            return _finish_reauth(connection, member, claims, state)
    except SignInRefused as refused:
        return _refuse(connection, mode, refused)
    session.clear()  # a fresh session: nothing from before sign-in carries over
    login_user(member)
    fresh.mark_authenticated()
    session["sso"] = {"org": slug, "id_token": claims.get("_id_token", "")}
    member.last_login_at = utcnow()
    member.save()
    audit.record(
        "auth.sign_in",
        organization=connection.organization,
        actor=member,
        target=member,
        details={"method": "okta"},
        ip=request.remote_addr or "",
    )
    return redirect(state.get("n") or home_for(member))


@bp.get("/signed-out")
def logged_out(slug: str):
    flash("You are signed out of this app and of Okta.", "info")
    return redirect(url_for("auth.login"))


def _verified_claims(connection) -> dict:
    """Exchange the code and verify the ID token (signature, iss, aud, exp, nonce)."""
    error = request.args.get("error")
    if error:
        status, title, fix = OKTA_ERRORS.get(
            error, (400, "Okta refused the sign-in", request.args.get("error_description", ""))
        )
        raise SignInRefused(status, title, fix, f"okta_error: {error}")
    try:
        token = client_for(connection).authorize_access_token(leeway=60)
    except MismatchingStateError:
        raise SignInRefused(
            400,
            "This sign-in was already used or has expired",
            "Start again from the sign-in page.",
            "replayed_state",
        ) from None
    except OAuthError as exc:
        status, title, fix = OKTA_ERRORS.get(
            exc.error, (400, "Okta refused the sign-in", exc.description or "")
        )
        raise SignInRefused(status, title, fix, f"okta_error: {exc.error}") from None
    except JoseError as exc:
        raise SignInRefused(
            401,
            "We could not verify Okta's answer",
            "Check the Okta domain (issuer) and Client ID in the wizard.",
            f"id_token_invalid: {exc.error}",
        ) from None
    except outbound.REQUEST_FAILURES as exc:
        raise _unreachable(exc, "Try again in a minute.") from None
    claims = dict(token.get("userinfo") or {})
    if not claims:
        raise SignInRefused(
            401,
            "Okta sent no ID token",
            "Add the openid scope to the Okta app.",
            "id_token_missing",
        )
    claims["_id_token"] = token.get("id_token", "")
    return claims


def _unreachable(exc: Exception, fix: str) -> SignInRefused:
    """The provider could not be reached, or the outbound door refused to go there (an
    endpoint off the issuer's server, a redirect, a non-public address)."""
    refused = isinstance(exc, outbound.OutboundError) and exc.failure is outbound.Failure.REFUSED
    if refused:
        fix = "An EnterpriseAdmin checks the Okta domain and the trusted hosts in the wizard."
    reason = "outbound_refused" if refused else "idp_unreachable"
    return SignInRefused(502, "Okta is not answering", fix, f"{reason}: {type(exc).__name__}")


def _finish_test(connection, claims: dict):
    """The test sign-in signs nobody in: it shows the verified claims in the wizard."""
    email = str(claims.get("email") or "")
    shown = {k: claims.get(k) for k in ("sub", "email", "name", "iss", "aud") if claims.get(k)}
    problems = []
    if not email.lower().endswith("@" + (connection.email_domain or "")):
        problems.append(
            f"The email {email or '(none)'} is outside {connection.email_domain}: "
            "check the primary email domain, or the user's Okta profile."
        )
    session["sso_test"] = {"ok": not problems, "claims": shown, "problems": problems}
    if not problems:
        connection.sso_tested_at = utcnow()
        connection.save()
    audit.record(
        "sso.test_sign_in",
        organization=connection.organization,
        actor=current_user if current_user.is_authenticated else None,
        details={"ok": not problems},
        ip=request.remote_addr or "",
    )
    return redirect(url_for("connect.step", slug="sso"))


REAUTH_MAX_AGE = 300  # seconds: Okta's auth_time must be this recent for a confirmation


def _finish_reauth(connection, member, claims: dict, state: dict):
    """A confirmation signs nobody new in: the Okta account must be the signed-in
    member's, and Okta must have asked for the credentials just now."""
    if not current_user.is_authenticated or member.id != current_user.id:
        raise SignInRefused(
            403,
            "That is another Okta account",
            "Confirm with the Okta account you signed in with.",
            "reauth_other_member",
        )
    auth_time = claims.get("auth_time")
    if isinstance(auth_time, int | float) and time.time() - auth_time > REAUTH_MAX_AGE:
        raise SignInRefused(
            401,
            "Okta did not ask for your sign-in again",
            "Sign in to Okta again when it asks, then retry.",
            "reauth_stale",
        )
    fresh.mark_authenticated()
    audit.record_request("auth.confirmed", organization=connection.organization, target=member)
    return redirect(state.get("n") or url_for("auth.account"))


def _refuse(connection, mode: str, refused: SignInRefused):
    audit.record(
        "sso.sign_in_refused",
        organization=connection.organization,
        actor_label="okta-sign-in",
        details={"reason": refused.reason, "mode": mode},
        ip=request.remote_addr or "",
    )
    current_app.logger.info("Okta sign-in refused: %s", refused.reason)
    if mode == "test":
        session["sso_test"] = {
            "ok": False,
            "claims": {},
            "problems": [f"{refused.title}. {refused.fix}"],
        }
        return redirect(url_for("connect.step", slug="sso"))
    return render_template("sso/error.html", refused=refused), refused.status


def _is_member_of(organization) -> bool:
    return (
        current_user.is_authenticated
        and not current_user.is_staff
        and current_user.organization_id == organization.id
    )


def _is_admin_of(organization) -> bool:
    return (
        current_user.is_authenticated
        and not current_user.is_staff
        and current_user.organization_id == organization.id
        and current_user.org_role >= OrgRole.ADMIN
    )
