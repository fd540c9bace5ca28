"""The Okta client signed in as an API Services app: each call carries an access token
for the scopes this client was made for (``Authorization: DPoP <token>`` and a fresh
``DPoP`` proof with ``ath``, or ``Bearer`` when Okta issued a Bearer token).

Okta's answers the client can act on, once per call each: ``401`` +
``WWW-Authenticate: DPoP error="use_dpop_nonce"`` + ``DPoP-Nonce`` (RFC 9449 section 9:
the call is sent again with the nonce), and any other ``401`` (the token expired or was
revoked before we expected: forgotten, a new one fetched, the call sent again). A ``403``
names a scope (``error="insufficient_scope"``) or the app's admin role, with the fix.
"""

import threading
from enum import StrEnum

from . import dpop
from .oauth_tokens import TokenKind, TokenSource
from .okta_api import OktaApiError
from .okta_scopes import app_name, grant_fix, known_scopes, role_fix


class Challenge(StrEnum):
    NONCE = "nonce"
    EXPIRED = "expired"


class ServiceAppAuth:
    def __init__(self, source: TokenSource, scopes: tuple[str, ...], label: str | None = None):
        self.source, self.scopes = source, tuple(scopes)
        self.app = app_name(source.identity.client_id, label)
        self.in_flight = threading.local()  # the token each thread's call carries

    def headers(self, method: str, url: str) -> dict[str, str]:
        token = self.source.token(self.scopes)
        self.in_flight.token = token
        if token.kind is TokenKind.BEARER:
            return {"Authorization": f"Bearer {token.value}"}
        return {
            "Authorization": f"DPoP {token.value}",
            "DPoP": self.source.proof(method, url, token),
        }

    def retry(self, response, answered: set) -> bool:
        """Whether to send the call again, having answered Okta's challenge."""
        renewed_nonce = self.source.remember_api_nonce(response)
        if response.status_code != 401:
            return False
        error = dpop.error_code(dpop.challenge(response).get("error"))
        challenge = Challenge.NONCE if error == "use_dpop_nonce" else Challenge.EXPIRED
        if challenge in answered or (challenge is Challenge.NONCE and not renewed_nonce):
            return False
        answered.add(challenge)
        if challenge is Challenge.EXPIRED:
            self.source.forget(self.in_flight.token)
        return True

    def refused(self, response, okta_says: str) -> OktaApiError | None:
        if response.status_code == 401:
            return OktaApiError(
                "auth",
                f"Okta refused the service app's access token ({okta_says}), a new one "
                f"too: check that {self.app} is active in Okta.",
                401,
            )
        if response.status_code != 403:
            return None
        parameters = dpop.challenge(response)
        scopes = known_scopes(parameters.get("scope", ""))
        if dpop.error_code(parameters.get("error")) == "insufficient_scope" and scopes:
            return OktaApiError(
                "scope",
                f"The access token lacks {scopes[0]}: {grant_fix(scopes[0], self.app)}.",
                403,
                scope=scopes[0],
            )
        return OktaApiError(
            "forbidden",
            f"The service app's admin role does not allow this ({okta_says}): "
            f"{role_fix(self.app)}.",
            403,
        )
