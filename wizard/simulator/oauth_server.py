"""Okta's org authorization server as the Okta API emulator needs it: the client
credentials grant for API Services apps (``POST /oauth2/v1/token``) and the checks of
the access tokens it issued on every API call.

What Okta documents, and this server enforces:
- client authentication by ``private_key_jwt`` only (RFC 7523): the assertion is signed
  by a key registered on the app (matched by ``kid``), ``iss`` = ``sub`` = client ID,
  ``aud`` = the token endpoint, ``exp`` in the future and at most one hour away, and a
  ``jti`` seen once (a replayed assertion is ``invalid_client``);
- DPoP (RFC 9449) when the app requires it (Okta's default for new apps): a proof with
  ``typ`` dpop+jwt, a public ``jwk`` in its header that is not the client's own key (Okta:
  "the JWK used for DPoP is separate from the JWK used for client authentication"),
  ``htm``, ``htu`` without query, a recent ``iat``, a ``jti`` seen once and the server's
  nonce (``400 use_dpop_nonce`` + ``DPoP-Nonce`` first); on API calls also ``ath`` and the
  key the token was bound to, and the resource server's nonce when it asks for one
  (``401`` + ``WWW-Authenticate: DPoP error="use_dpop_nonce"``);
- scopes: a scope the app was not granted is ``invalid_scope`` at the token endpoint; an
  API call outside the token's scopes is ``403`` with ``error="insufficient_scope"`` and
  the scope it needs; an app without an admin role gets ``403 E0000006`` everywhere;
- tokens expire (``token_lifetime``, one hour like Okta's; ``expire_tokens()`` ends them
  now): an expired one is ``401 error="invalid_token"``.
"""

import json
import secrets
import threading
import time

from joserfc import jws, jwt
from joserfc.errors import JoseError

from .answers import form_of
from .service_apps import (
    ASSERTION_TYPE,
    OKTA_SCOPES,
    SERVICE_CLIENT_ID,
    SIGNING_ALGORITHMS,
    Issued,
    Refusal,
    ServiceApp,
    access_token_hash,
    import_key,
    payload,
    recent,
    scope_for,
)

__all__ = ["ASSERTION_TYPE", "SERVICE_CLIENT_ID", "OrgAuthorizationServer", "Refusal"]


class OrgAuthorizationServer:
    def __init__(self):
        self.apps: dict[str, ServiceApp] = {}
        self.issued: dict[str, Issued] = {}
        self.token_lifetime = 3600
        self.token_nonce = secrets.token_urlsafe(16)
        self.api_nonce = secrets.token_urlsafe(16)
        self.require_api_nonce = False  # Okta's API does not ask for one today; tests do
        self.nonce_every_time = False  # a broken server: every answer asks for a new nonce
        self.seen_jti: set[str] = set()  # assertions and proofs
        self.token_requests: list[dict] = []  # what each token request asked and got
        self.assertions: list[str] = []  # every client assertion received (secrets checks)
        self.refusals: list[str] = []  # the error of each refused API call
        self.lock = threading.Lock()

    # -- test helpers ---------------------------------------------------------------
    def add_app(self, public_jwk: dict, client_id: str = SERVICE_CLIENT_ID, **options):
        app = ServiceApp(client_id, [dict(public_jwk)], **options)
        self.apps[client_id] = app
        return app

    def expire_tokens(self):
        with self.lock:
            for issued in self.issued.values():
                issued.expires_at = 0.0

    # -- the token endpoint -------------------------------------------------------------
    def token(self, environ, base: str):
        """``POST /oauth2/v1/token``: (status, headers, body)."""
        form = form_of(environ)
        record = {"scope": form.get("scope", ""), "dpop": "HTTP_DPOP" in environ}
        self.token_requests.append(record)
        try:
            body, headers = self._grant(environ, form, f"{base}/oauth2/v1/token")
        except Refusal as refusal:
            record["error"] = refusal.error
            body = {"error": refusal.error, "error_description": refusal.description}
            return refusal.status, {"DPoP-Nonce": self.token_nonce, **refusal.headers}, body
        record["error"] = None
        return 200, headers, body

    def _grant(self, environ, form: dict, token_url: str):
        if form.get("grant_type") != "client_credentials":
            raise Refusal(400, "unsupported_grant_type", "The grant type is not supported.")
        app = self._authenticate_client(form, token_url)
        jkt = None
        if app.require_dpop:
            jkt = self._check_proof(environ.get("HTTP_DPOP"), "POST", token_url, app=app)
        scopes = set(form.get("scope", "").split())
        if not scopes or not scopes <= (app.scopes & OKTA_SCOPES):
            raise Refusal(400, "invalid_scope", "The requested scope is invalid or not granted.")
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.issued[token] = Issued(
                app.client_id, scopes, jkt, time.time() + self.token_lifetime
            )
        body = {
            "token_type": "DPoP" if jkt else "Bearer",
            "expires_in": self.token_lifetime,
            "access_token": token,
            "scope": " ".join(sorted(scopes)),
        }
        return body, {"DPoP-Nonce": self.token_nonce} if jkt else {}

    def _authenticate_client(self, form: dict, token_url: str) -> ServiceApp:
        """RFC 7523 section 3, as Okta applies it to private_key_jwt."""
        assertion = form.get("client_assertion", "")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not assertion:
            raise Refusal(401, "invalid_client", "Client authentication is required.")
        self.assertions.append(assertion)
        try:
            header = jws.extract_compact(assertion.encode()).headers()
            unverified = json.loads(payload(assertion))
        except (JoseError, ValueError):
            raise Refusal(401, "invalid_client", "The client_assertion is malformed.") from None
        app = self.apps.get(unverified.get("sub")) if isinstance(unverified, dict) else None
        if app is None:
            raise Refusal(401, "invalid_client", "The client_id is not known.")
        claims = self._verified(assertion, header, app)
        now = time.time()
        if claims.get("iss") != app.client_id or claims.get("aud") != token_url:
            raise Refusal(401, "invalid_client", "The iss, sub or aud claim is wrong.")
        expires = claims.get("exp")
        if not isinstance(expires, int) or not now < expires <= now + 3600:
            raise Refusal(401, "invalid_client", "The exp claim is missing, past or too far.")
        self._once(claims.get("jti"), "The client_assertion was already used.")
        return app

    def _verified(self, assertion: str, header: dict, app: ServiceApp) -> dict:
        keys = [
            k for k in app.public_keys if not header.get("kid") or k.get("kid") == header["kid"]
        ]
        for public in keys:
            try:
                token = jwt.decode(
                    assertion, import_key(public), algorithms=list(SIGNING_ALGORITHMS)
                )
            except (JoseError, ValueError):
                continue
            return token.claims
        raise Refusal(401, "invalid_client", "The client_assertion signature is invalid.")

    # -- DPoP proofs ------------------------------------------------------------------
    def _check_proof(self, proof, method, url, *, app=None, token=None, jkt=None) -> str:
        """A valid proof's key thumbprint; a ``Refusal`` otherwise (RFC 9449 section 4.3)."""
        at_token_endpoint = token is None
        if not proof:
            raise _proof_refusal(at_token_endpoint, "The DPoP proof JWT header is missing.")
        try:
            header = jws.extract_compact(proof.encode()).headers()
            key = import_key(header.get("jwk") or {})
            claims = jwt.decode(proof, key, algorithms=list(SIGNING_ALGORITHMS)).claims
        except (JoseError, ValueError, TypeError):
            raise _proof_refusal(at_token_endpoint, "The DPoP proof is not valid.") from None
        thumbprint = key.thumbprint()
        private = {"d", "p", "q", "dp", "dq", "qi"} & set(header.get("jwk") or {})
        client_keys = {import_key(k).thumbprint() for k in app.public_keys} if app else set()
        problems = (
            (header.get("typ") != "dpop+jwt", "'typ' must be dpop+jwt."),
            (bool(private), "The 'jwk' header holds a private key."),
            (thumbprint in client_keys, "The DPoP key must not be the client's key."),
            (claims.get("htm") != method, "'htm' claim in the DPoP proof JWT is invalid."),
            (claims.get("htu") != url, "'htu' claim in the DPoP proof JWT is invalid."),
            (not recent(claims.get("iat")), "'iat' claim in the DPoP proof JWT is invalid."),
            (jkt is not None and thumbprint != jkt, "The proof's key is not the token's key."),
            (
                token is not None and claims.get("ath") != access_token_hash(token),
                "'ath' claim in the DPoP proof JWT is invalid.",
            ),
        )
        for failed, description in problems:
            if failed:
                raise _proof_refusal(at_token_endpoint, description)
        self._check_nonce(claims.get("nonce"), at_token_endpoint)
        with self.lock:
            replayed = not isinstance(claims.get("jti"), str) or claims["jti"] in self.seen_jti
            self.seen_jti.add(str(claims.get("jti")))
        if replayed:
            raise _proof_refusal(at_token_endpoint, "The DPoP proof was already used.")
        return thumbprint

    def _check_nonce(self, nonce, at_token_endpoint: bool) -> None:
        if not at_token_endpoint and not self.require_api_nonce:
            return
        if self.nonce_every_time:  # a broken server: the nonce just sent is already stale
            self.token_nonce, self.api_nonce = (secrets.token_urlsafe(16) for _ in range(2))
        expected = self.token_nonce if at_token_endpoint else self.api_nonce
        if nonce == expected:
            return
        server = "Authorization" if at_token_endpoint else "Resource"
        raise Refusal(
            400 if at_token_endpoint else 401,
            "use_dpop_nonce",
            f"{server} server requires nonce in DPoP proof.",
            {"DPoP-Nonce": expected},
        )

    def _once(self, jti, message: str) -> None:
        with self.lock:
            if not isinstance(jti, str) or not jti or jti in self.seen_jti:
                raise Refusal(401, "invalid_client", message)
            self.seen_jti.add(jti)

    # -- the resource server ------------------------------------------------------------
    def authorize(self, environ, path: str, base: str) -> Refusal | None:
        """None when the call's access token (and proof) may read ``path``."""
        refusal = self._refusal(environ, path, base)
        if refusal is not None:
            self.refusals.append(refusal.error)
        return refusal

    def _refusal(self, environ, path: str, base: str) -> Refusal | None:
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        issued = self.issued.get(token)
        if issued is None or issued.expires_at <= time.time():
            return Refusal(401, "invalid_token", "The access token is invalid.")
        if issued.jkt is not None:
            if scheme != "DPoP":
                return Refusal(401, "invalid_token", "A DPoP-bound token must be sent as DPoP.")
            try:
                self._check_proof(
                    environ.get("HTTP_DPOP"),
                    environ["REQUEST_METHOD"],
                    f"{base}{path}",
                    token=token,
                    jkt=issued.jkt,
                )
            except Refusal as refusal:
                return refusal
        elif scheme != "Bearer":
            return Refusal(401, "invalid_token", "The access token is invalid.")
        needed = scope_for(path)
        if needed and needed not in issued.scopes:
            return Refusal(
                403,
                "insufficient_scope",
                "The access token provided does not contain the required scopes.",
                {"scope": needed},
            )
        if not self.apps[issued.client_id].roles:
            return Refusal(403, "", "The service app has no admin role.")
        return None

    def challenge(self, refusal: Refusal, environ, base: str) -> str:
        """The ``WWW-Authenticate`` value Okta sends with a refused API call."""
        scheme = "DPoP" if environ.get("HTTP_AUTHORIZATION", "").startswith("DPoP") else "Bearer"
        parts = [f'authorization_uri="{base}/oauth2/v1/authorize"', f'realm="{base}"']
        if "scope" in refusal.headers:
            parts.append(f'scope="{refusal.headers["scope"]}"')
        parts += [f'error="{refusal.error}"', f'error_description="{refusal.description}"']
        if scheme == "DPoP":
            parts.insert(0, f'algs="{" ".join(SIGNING_ALGORITHMS)}"')
        return f"{scheme} {', '.join(parts)}"


def _proof_refusal(at_token_endpoint: bool, description: str) -> Refusal:
    return Refusal(400 if at_token_endpoint else 401, "invalid_dpop_proof", description)
