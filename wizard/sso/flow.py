"""The OpenID Connect round trip's two halves that are not views: the signed state we
send through the provider, and the verified claims we get back.

An error from the provider (``error``, ``error_description``, authlib's OAuthError) is
answered with a fixed message from ``PROVIDER_ERRORS``: a provider's words could be
script or a phishing sentence on our page, so they go to the log and the audit only.
"""

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import current_app, request
from itsdangerous import URLSafeTimedSerializer
from joserfc.errors import JoseError

from .. import outbound
from ..models import SsoConfiguration
from .clients import client_for
from .members import SignInRefused

STATE_SALT = "okta-sso-state"
STATE_MAX_AGE = 600  # seconds for the round trip through Okta
PROVIDER_TEXT_KEPT = 500  # characters of a provider's error text kept for the audit
PROVIDER_ERRORS = {
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
OTHER_PROVIDER_ERROR = (
    400,
    "Okta refused the sign-in",
    "Start again from the sign-in page; if it keeps failing, give your admin the reference below.",
)


def serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=STATE_SALT)


def provider_refusal(error: str, description: str | None) -> SignInRefused:
    status, title, fix = PROVIDER_ERRORS.get(error, OTHER_PROVIDER_ERROR)
    return SignInRefused(
        status,
        title,
        fix,
        f"okta_error: {str(error)[:60]}",
        provider_text=str(description or "")[:PROVIDER_TEXT_KEPT],
    )


def verified_claims(configuration: SsoConfiguration) -> dict:
    """Exchange the code and verify the ID token (signature, iss, aud, exp, nonce)."""
    error = request.args.get("error")
    if error:
        raise provider_refusal(error, request.args.get("error_description"))
    try:
        token = client_for(configuration).authorize_access_token(leeway=60)
    except MismatchingStateError:
        raise SignInRefused(
            400,
            "This sign-in was already used or has expired",
            "Start again from the sign-in page.",
            "replayed_state",
        ) from None
    except OAuthError as exc:
        raise provider_refusal(exc.error, exc.description) from None
    except JoseError as exc:
        raise SignInRefused(
            401,
            "We could not verify Okta's answer",
            "Check the Okta domain (issuer) and Client ID in the wizard.",
            f"id_token_invalid: {exc.error}",
        ) from None
    except outbound.REQUEST_FAILURES as exc:
        raise unreachable(exc, "Try again in a minute.") from None
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


def unreachable(exc: Exception, fix: str) -> SignInRefused:
    """The provider could not be reached, or the outbound door refused to go there (an
    endpoint off the issuer's server, a redirect, a non-public address)."""
    refused = isinstance(exc, outbound.OutboundError) and exc.failure is outbound.Failure.REFUSED
    if refused:
        fix = "An EnterpriseAdmin checks the Okta domain and the trusted hosts in the wizard."
    reason = "outbound_refused" if refused else "idp_unreachable"
    return SignInRefused(502, "Okta is not answering", fix, f"{reason}: {type(exc).__name__}")
