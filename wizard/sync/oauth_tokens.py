"""Access tokens for an Okta API Services app: the client credentials grant at the org
authorization server (``{org URL}/oauth2/v1/token``), the client authenticated with
``private_key_jwt`` by authlib (RFC 7523), a DPoP proof on each request with Okta's nonce
retry (RFC 9449 section 8), every request through the outbound door.

Tokens are cached in this process's memory until a minute before they expire (Okta's
last one hour). Not in the database: a live token and the DPoP key it is bound to would
then be a secret at rest, shared by every process, to save one token request per process
an hour (Okta's token endpoint allows far more); a restart costs one request. Entries
belong to (organization, org URL, client ID, key id): another organization typing the
same client ID, or a replaced key, never finds them.
"""

import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum

from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign

from .. import outbound
from ..outbound.oauth import session_class
from . import dpop
from .okta_api import OktaApiError, door_error
from .okta_scopes import app_name, grant_fix

ASSERTION_SECONDS = 300  # a client assertion's life: Okta allows up to an hour
MAX_LIFETIME = 3600  # Okta's access tokens live one hour; a longer claim is not believed
ASSUMED_LIFETIME = 300  # an answer without expires_in
REFRESH_MARGIN = 60  # seconds before expiry: a token is never sent in its last minute
TOKEN_TEXT = re.compile(r"^[\x21-\x7e]{1,8192}$")  # goes into a header: nothing else
CACHE_LIMIT = 1000
TOKEN_PATH = "/oauth2/v1/token"  # noqa: S105 (the org authorization server's endpoint)
CREDENTIALS_REFUSED = (
    "Okta refused the service app's credentials (invalid_client). Check the Client ID (the "
    "app's General tab > Client Credentials), that Client authentication is Public key / "
    "Private key, and that the public key shown here is saved under Public keys."
)


class TokenKind(StrEnum):
    DPOP = "DPoP"  # sent as ``Authorization: DPoP <token>`` with a proof
    BEARER = "Bearer"  # the app does not require DPoP


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    kind: TokenKind
    scopes: tuple[str, ...]
    refresh_at: float  # on the source's clock


@dataclass(frozen=True)
class Identity:
    """Whose tokens: a cache entry is never shared beyond all four."""

    organization_id: int | None
    org_url: str
    client_id: str
    key_id: str


class Holder:
    """What one identity keeps in memory: its DPoP key, the servers' nonces, its tokens."""

    def __init__(self):
        self.dpop = dpop.DpopKey()
        self.nonces: dict[str, str] = {}  # "token" (authorization server) or "api"
        self.tokens: dict[tuple[str, ...], AccessToken] = {}
        self.lock = threading.Lock()


class TokenCache:
    def __init__(self):
        self.holders: dict[Identity, Holder] = {}
        self.lock = threading.Lock()

    def holder(self, identity: Identity) -> Holder:
        with self.lock:
            if identity not in self.holders and len(self.holders) >= CACHE_LIMIT:
                self.holders.pop(next(iter(self.holders)))  # the oldest identity
            return self.holders.setdefault(identity, Holder())

    def clear(self) -> None:
        with self.lock:
            self.holders.clear()


TOKENS = TokenCache()


class FreshPrivateKeyJWT(PrivateKeyJWT):
    """authlib's ``private_key_jwt`` with the key's ``kid`` in the header (Okta finds the
    public key by it) and a five-minute ``exp`` (authlib's default is an hour)."""

    def __init__(self, token_endpoint: str, key_id: str):
        super().__init__(token_endpoint)
        self.key_id = key_id

    def sign(self, auth, token_endpoint):
        now = int(time.time())
        return private_key_jwt_sign(
            auth.client_secret,
            client_id=auth.client_id,
            token_endpoint=self.token_endpoint,
            alg=self.alg,
            header={"kid": self.key_id},
            claims={"iat": now, "exp": now + ASSERTION_SECONDS, "jti": secrets.token_urlsafe(24)},
        )


class TokenSource:
    """Tokens for one connection, fetched through a door session made now (in the app
    context: the organization's trusted hosts apply, even from the sync's threads)."""

    def __init__(self, identity: Identity, private_key, *, clock=time.monotonic, timeout=10.0):
        self.identity, self.clock, self.timeout = identity, clock, timeout
        self.token_url = f"{identity.org_url}{TOKEN_PATH}"
        self.holder = TOKENS.holder(identity)
        door = session_class(identity.organization_id, identity.org_url)
        assertion = FreshPrivateKeyJWT(self.token_url, identity.key_id)
        self.session: OAuth2Session = door(
            identity.client_id, private_key, token_endpoint_auth_method=assertion.name
        )
        self.session.register_client_auth_method(assertion)
        self.session.register_compliance_hook("access_token_response", self._remember_nonce)

    def token(self, scopes: tuple[str, ...]) -> AccessToken:
        with self.holder.lock:
            cached = self.holder.tokens.get(scopes)
            if cached is not None and self.clock() < cached.refresh_at:
                return cached
            fresh = self._fetch(scopes)
            self.holder.tokens[scopes] = fresh
            return fresh

    def renew(self, scopes: tuple[str, ...]) -> None:
        """The next ``token(scopes)`` asks Okta again (Test connection checks today's
        grants, not a token minted before a scope was revoked)."""
        with self.holder.lock:
            self.holder.tokens.pop(scopes, None)

    def forget(self, token: AccessToken) -> None:
        """Okta refused ``token``: the next call fetches another (unless one already did)."""
        with self.holder.lock:
            if self.holder.tokens.get(token.scopes) is token:
                del self.holder.tokens[token.scopes]

    def proof(self, method: str, url: str, token: AccessToken) -> str:
        nonce = self.holder.nonces.get("api")
        return self.holder.dpop.proof(method, url, nonce=nonce, access_token=token.value)

    def remember_api_nonce(self, response) -> bool:
        """Keep the resource server's new nonce; whether it sent one."""
        nonce = dpop.nonce_of(response)
        if nonce is not None:
            self.holder.nonces["api"] = nonce
        return nonce is not None

    def _fetch(self, scopes: tuple[str, ...]) -> AccessToken:
        """One token request, and a second when Okta asks for a nonce (section 8): each
        with a new assertion and a new proof."""
        for attempt in range(2):
            sent_nonce = self.holder.nonces.get("token")
            try:
                answer = self._request(scopes, sent_nonce)
            except OAuthError as error:
                renewed = self.holder.nonces.get("token") not in (None, sent_nonce)
                if error.error == "use_dpop_nonce" and renewed and attempt == 0:
                    continue
                raise self._refused(error.error, scopes) from None
            return self._access_token(answer, scopes)
        raise OktaApiError("auth", "Okta kept asking for a new DPoP nonce; try again later.")

    def _request(self, scopes, nonce) -> dict:
        proof = self.holder.dpop.proof("POST", self.token_url, nonce=nonce)
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            "DPoP": proof,
        }
        try:
            return self.session.fetch_token(
                self.token_url,
                grant_type="client_credentials",
                scope=" ".join(scopes),
                headers=headers,
                timeout=self.timeout,
            )
        except outbound.OutboundError as error:
            raise door_error(error) from None
        except outbound.HTTPStatusError as error:
            raise _endpoint_failed(error.response.status_code) from None
        except (*outbound.REQUEST_FAILURES, ValueError):
            raise _not_a_token() from None

    def _remember_nonce(self, response):
        nonce = dpop.nonce_of(response)
        if nonce is not None:
            self.holder.nonces["token"] = nonce
        return response

    def _access_token(self, answer: dict, scopes) -> AccessToken:
        value, kind = answer.get("access_token"), str(answer.get("token_type", "")).lower()
        kinds = {"dpop": TokenKind.DPOP, "bearer": TokenKind.BEARER}
        if not isinstance(value, str) or not TOKEN_TEXT.match(value) or kind not in kinds:
            raise _not_a_token()
        lifetime = answer.get("expires_in", ASSUMED_LIFETIME)
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float):
            lifetime = ASSUMED_LIFETIME
        lifetime = max(0.0, min(float(lifetime), MAX_LIFETIME))
        refresh_at = self.clock() + lifetime - min(REFRESH_MARGIN, lifetime / 2)
        return AccessToken(value, kinds[kind], scopes, refresh_at)

    def _refused(self, code, scopes) -> OktaApiError:
        code = dpop.error_code(code)
        app = app_name(self.identity.client_id)
        if code == "invalid_scope":
            if len(scopes) == 1:
                message = f"Okta did not grant {scopes[0]} to {app}: {grant_fix(scopes[0], app)}."
            else:
                message = (
                    f"Okta did not grant every scope needed ({', '.join(scopes)}) to {app}: "
                    "Test connection names the missing one."
                )
            return OktaApiError("scope", message, 400, code, scope=" ".join(scopes))
        messages = {
            "invalid_client": CREDENTIALS_REFUSED,
            "unauthorized_client": "Okta does not let this app use the client credentials "
            "grant: the Client ID must be an API Services app's.",
            "use_dpop_nonce": "Okta kept asking for a new DPoP nonce; try again later.",
        }
        message = messages.get(code, f"Okta refused the token request ({code or 'no code'}).")
        return OktaApiError("auth", message, 401 if code == "invalid_client" else 400, code)


def _endpoint_failed(status: int) -> OktaApiError:
    if status == 404:
        return OktaApiError(
            "not_found",
            f"Okta has no token endpoint ({TOKEN_PATH}) there: check the org URL "
            "(e.g. https://acme.okta.com).",
            status,
        )
    kind = "server" if status >= 500 else "bad_response"
    return OktaApiError(kind, f"Okta's token endpoint answered {status}.", status)


def _not_a_token() -> OktaApiError:
    return OktaApiError(
        "bad_response", "Okta's token endpoint answered with something that is not a token."
    )
