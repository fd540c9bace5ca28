"""The OpenID Connect flow: start, callback, signed-out. Real sign-in, the wizard's test
sign-in, re-authentication and "Link my Okta account" share the one login redirect URI;
the mode and the configuration travel in the signed state.

Sign-in, re-authentication and linking use the live configuration only; the test
sign-in uses the pending one when there is one, else the live one.
"""

import secrets

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from itsdangerous import BadSignature
from playhouse.flask_utils import get_object_or_404

from .. import outbound
from ..domain import audit, connections
from ..extensions import limiter
from ..models import Organization, SsoConfiguration, SsoState, utcnow
from ..sso import configurations as sso_configurations
from ..sso.clients import client_for
from ..sso.flow import STATE_MAX_AGE, serializer, unreachable, verified_claims
from ..sso.members import SignInRefused, member_for_claims
from ..sso.settings import redirect_uris
from . import okta_finish, sessions
from .views import bp, home_for, safe_next

PREFIX = "/login/okta/<slug>"  # one organization's Okta sign-in
MODES = ("signin", "reauth")  # reauth: a fresh sign-in before a critical action
CALLBACK_LIMIT = "20 per minute"  # per client address: each callback costs a token exchange
# Each start stores a sign-in state (PKCE verifier, nonce) for ten minutes: per address.
START_LIMIT = "30 per minute"


def _connection(slug: str):
    organization = get_object_or_404(Organization, Organization.slug == slug)
    connection = connections.connection_for(organization)
    if connection is None or sso_configurations.for_test(connection) is None:
        abort(404)
    return connection


def _configuration(connection, mode: str) -> SsoConfiguration | None:
    if mode == "test":
        return sso_configurations.for_test(connection)
    return sso_configurations.live(connection)


@bp.get(PREFIX)
@limiter.limit(START_LIMIT)
def okta_start(slug: str):
    connection = _connection(slug)
    if request.args.get("mode") == "test":
        # A link anyone can send must not start a test sign-in: an EnterpriseAdmin's
        # passing test makes a pending configuration live (see ``okta_test``).
        flash("Start the test sign-in with the Test sign-in button.", "info")
        return redirect(url_for("connect.step", slug="sso"))
    mode = request.args.get("mode") if request.args.get("mode") in MODES else "signin"
    if mode == "reauth" and not okta_finish.is_member_of(connection.organization):
        abort(403)
    hint = request.args.get("login_hint", "")[:254]
    extra = {"login_hint": hint} if hint else {}
    if mode == "reauth":
        # OpenID Connect Core §3.1.2.1: make Okta ask again rather than reuse its session.
        extra.update(prompt="login", max_age=0, login_hint=current_user.email)
    return _authorize(connection, mode, request.args.get("next"), extra)


@bp.post(PREFIX + "/test")
@limiter.limit(START_LIMIT)
def okta_test(slug: str):
    """The wizard's "Test sign-in" (a CSRF-protected POST): a hostile provider answers a
    test at once, so a followed link must not run one in an EnterpriseAdmin's browser
    and make that provider live."""
    connection = _connection(slug)
    if not okta_finish.may_test(connection.organization):  # CSRFProtect checked the token
        abort(403)
    # Back to the page it started from: Integrations > Okta > Single sign-on, or the
    # wizard's step (a fixed choice, never a posted address).
    back = url_for("integrations.sso") if request.form.get("back") == "hub" else None
    return _authorize(connection, "test", back, {})


@bp.post(PREFIX + "/link")
@limiter.limit(START_LIMIT)
@login_required
def okta_link(slug: str):
    """ "Link my Okta account" (a POST from the account page: CSRF-protected, so no other
    site can start it); Okta asks for the credentials again."""
    connection = _connection(slug)
    if not okta_finish.may_link(connection.organization):
        abort(403)
    extra = {"prompt": "login", "login_hint": current_user.email}
    return _authorize(connection, "link", None, extra)


def _authorize(connection, mode: str, next_url: str | None, extra: dict):
    configuration = _configuration(connection, mode)
    if configuration is None:
        abort(404)
    state = serializer().dumps(
        {
            "m": mode,
            "c": configuration.id,
            "n": safe_next(next_url) or "",
            "r": secrets.token_urlsafe(8),
        }
    )
    try:
        return client_for(configuration).authorize_redirect(
            redirect_uris(connection.organization)["login"], state=state, **extra
        )
    except (*outbound.REQUEST_FAILURES, ValueError, KeyError) as exc:
        return _refuse(
            connection,
            mode,
            unreachable(
                exc, "Try again in a minute; if it persists, check the Okta domain in the wizard."
            ),
            back=safe_next(next_url),
        )


@bp.get(PREFIX + "/callback")
@limiter.limit(CALLBACK_LIMIT)
def okta_callback(slug: str):
    connection = _connection(slug)
    try:
        state = serializer().loads(request.args.get("state", ""), max_age=STATE_MAX_AGE)
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
        configuration = _started_with(connection, mode, state.get("c"))
        claims = verified_claims(configuration)
        if mode == "test":
            return okta_finish.finish_test(configuration, claims, back=state.get("n"))
        if mode == "reauth":
            return okta_finish.finish_reauth(configuration, claims, state)
        if mode == "link":
            return okta_finish.finish_link(configuration, claims)
        member = member_for_claims(configuration, claims)
    except SignInRefused as refused:
        return _refuse(connection, mode, refused, back=state.get("n"))
    return _sign_in(connection, member, claims, state)


def _started_with(connection, mode: str, configuration_id) -> SsoConfiguration:
    """The configuration the round trip started with, if it may still finish it: a
    sign-in that started before an activation is refused, not finished by a retired
    configuration."""
    configuration = SsoConfiguration.get_or_none(
        (SsoConfiguration.id == configuration_id) & (SsoConfiguration.connection == connection)
    )
    states = (SsoState.PENDING, SsoState.LIVE) if mode == "test" else (SsoState.LIVE,)
    if configuration is None or configuration.state not in states:
        raise SignInRefused(
            400,
            "The sign-in settings changed meanwhile",
            "Start again from the sign-in page.",
            "configuration_changed",
        )
    if mode == "test" and not okta_finish.may_test(connection.organization):
        raise SignInRefused(
            403,
            "You may not test these settings",
            "Ask an admin of the organization to run the test sign-in.",
            "test_not_allowed",
        )
    return configuration


def _sign_in(connection, member, claims: dict, state: dict):
    sessions.sign_in(member, sessions.SignInMethod.OKTA)
    sessions.remember_sso(connection.organization.slug, claims.get("_id_token", ""))
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


@bp.get(PREFIX + "/signed-out")
def okta_signed_out(slug: str):
    flash("You are signed out of this app and of Okta.", "info")
    return redirect(url_for("auth.login"))


def _refuse(connection, mode: str, refused: SignInRefused, back: str | None = None):
    details = {"reason": refused.reason, "mode": mode}
    if refused.provider_text:
        details["provider_description"] = refused.provider_text
    audit.record(
        "sso.sign_in_refused",
        organization=connection.organization,
        actor_label="okta-sign-in",
        details=details,
        ip=request.remote_addr or "",
    )
    if refused.provider_text:  # %r: the provider's newlines cannot forge log lines
        current_app.logger.info(
            "Okta sign-in refused: %s; provider said %r", refused.reason, refused.provider_text
        )
    else:
        current_app.logger.info("Okta sign-in refused: %s", refused.reason)
    if mode == "test":
        session["sso_test"] = {
            "ok": False,
            "claims": {},
            "problems": [f"{refused.title}. {refused.fix}"],
        }
        return redirect(back or url_for("connect.step", slug="sso"))
    return render_template("auth/okta_error.html", refused=refused), refused.status
