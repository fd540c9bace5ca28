"""Okta's org authorization server for sign-in, as a WSGI app: discovery, authorize,
token (authorization code, PKCE S256), signing keys, userinfo and end-session.

One provider for two uses. Simulated Okta (``make run``) registers its OIDC app
(``clients``: client ID, secret, the sign-in redirect URIs the visitor pasted) and sends
the browser from ``authorize`` to its page listing the simulated people (``chooser``);
the person picked signs in. The tests (tests/fakes/crafted_op.py) register nothing and
pick nobody: every authorize is approved at once with ``claims``, and the test rewrites
the ID token (``overrides``: a wrong ``aud``, an expired ``exp``...) to prove our checks.
"""

import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from . import pkce
from .answers import base_url, form_of, json_answer, query_of, redirect, status_line

OKTA_PATHS = {
    "authorize": "/oauth2/v1/authorize",
    "token": "/oauth2/v1/token",
    "jwks": "/oauth2/v1/keys",
    "userinfo": "/oauth2/v1/userinfo",
    "logout": "/oauth2/v1/logout",
}
CODE_SECONDS = 60  # Okta's authorization codes live 60 seconds
TOKEN_SECONDS = 3600


@dataclass
class SignInClient:
    """An OIDC app integration: what Okta checks on each request of the flow."""

    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)


@dataclass
class Authorization:
    """An authorize request: pending until someone signs in, then a one-use code."""

    client_id: str
    redirect_uri: str
    state: str
    nonce: str | None
    challenge: str | None
    scope: str
    claims: dict | None = None
    expires_at: float = 0.0


class OpenIdProvider:
    def __init__(self, routes: dict[str, str] | None = None):
        self.routes = dict(routes or OKTA_PATHS)
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "key-1"})]
        self.signing_key = self.keys[0]
        self.clients: dict[str, SignInClient] = {}  # none: any client (the tests)
        self.chooser: str | None = None  # path of the page listing people; None: approve
        self.claims = {
            "sub": "00u-crafted",
            "email": "jane@acme.example.com",
            "email_verified": True,
            "name": "Jane Doe",
        }
        self.overrides: dict = {}  # claims to change (None removes)
        self.clock_skew = 0  # seconds our tokens' clock runs ahead (negative: behind)
        self.nonce = None
        self.base = ""
        self.token_requests: list[dict] = []
        self.token_error: dict | None = None  # an OAuth error body the token endpoint answers
        self.paths: list[str] = []  # every path asked for, in order
        self.discovery_overrides: dict = {}  # members of the discovery document to replace
        self.redirects: dict[str, str] = {}  # path -> where a 302 sends the caller
        self.pending: dict[str, Authorization] = {}
        self.codes: dict[str, Authorization] = {}
        self.access_tokens: dict[str, dict] = {}
        self.lock = threading.Lock()

    # -- keys ---------------------------------------------------------------------------
    def rotate(self) -> None:
        """Sign with a new key the JWKS does not list yet, then publish it."""
        self.signing_key = RSAKey.generate_key(2048, parameters={"kid": "key-2"})

    def publish_signing_key(self) -> None:
        self.keys.append(self.signing_key)

    def id_token(self, client_id: str, claims: dict | None = None, nonce=None) -> str:
        now = int(time.time()) + self.clock_skew
        body = {
            "iss": self.base,
            "aud": client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,  # Okta always says when the person signed in
            "nonce": self.nonce if nonce is None else nonce,
            **(self.claims if claims is None else claims),
        }
        for name, value in self.overrides.items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        header = {"alg": "RS256", "kid": self.signing_key.kid}
        return jwt.encode(header, body, self.signing_key)

    # -- the person signing in (Simulated Okta's page) ----------------------------------
    def approve(self, request_id: str, claims: dict) -> str:
        """The page's answer: ``claims`` signed in; where to send the browser."""
        with self.lock:
            authorization = self.pending.pop(request_id)
        authorization.claims = dict(claims)
        return self._grant(authorization)

    def deny(self, request_id: str, error: str, description: str) -> str:
        with self.lock:
            authorization = self.pending.pop(request_id)
        query = {"error": error, "error_description": description, "state": authorization.state}
        return f"{authorization.redirect_uri}?{urlencode(query)}"

    def _grant(self, authorization: Authorization) -> str:
        code = secrets.token_urlsafe(24)
        authorization.expires_at = time.time() + CODE_SECONDS
        with self.lock:
            self.codes[code] = authorization
        query = {"code": code, "state": authorization.state}
        return f"{authorization.redirect_uri}?{urlencode(query)}"

    # -- WSGI ---------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        self.base = base_url(environ)
        self.paths.append(path)
        if path in self.redirects:
            return redirect(start_response, self.redirects[path])
        if path == "/.well-known/openid-configuration":
            return json_answer(start_response, self.discovery())
        handlers = {
            self.routes["jwks"]: lambda: json_answer(
                start_response, KeySet(self.keys).as_dict(private=False)
            ),
            self.routes["authorize"]: lambda: self._authorize(environ, start_response),
            self.routes["token"]: lambda: self._token(environ, start_response),
            self.routes["userinfo"]: lambda: self._userinfo(environ, start_response),
            self.routes["logout"]: lambda: self._logout(environ, start_response),
        }
        if path in handlers:
            return handlers[path]()
        return _text(start_response, 404, "not found")

    def discovery(self) -> dict:
        route = {name: f"{self.base}{path}" for name, path in self.routes.items()}
        document = {
            "issuer": self.base,
            "authorization_endpoint": route["authorize"],
            "token_endpoint": route["token"],
            "userinfo_endpoint": route["userinfo"],
            "jwks_uri": route["jwks"],
            "end_session_endpoint": route["logout"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "code_challenge_methods_supported": ["S256"],
        }
        return document | self.discovery_overrides

    def _authorize(self, environ, start_response):
        query = query_of(environ)
        self.nonce = query.get("nonce")
        client = self.clients.get(query.get("client_id", ""))
        if self.clients and client is None:
            return _text(start_response, 400, "Invalid value for 'client_id' parameter.")
        redirect_uri = query.get("redirect_uri", "")
        if client is not None and redirect_uri not in client.redirect_uris:
            return _text(
                start_response,
                400,
                "The 'redirect_uri' parameter must be a Login redirect URI in the client "
                "app settings: " + redirect_uri,
            )
        authorization = Authorization(
            client_id=query.get("client_id", ""),
            redirect_uri=redirect_uri,
            state=query.get("state", ""),
            nonce=query.get("nonce"),
            challenge=query.get("code_challenge"),
            scope=query.get("scope", "openid"),
        )
        if self.chooser is None:
            authorization.claims = dict(self.claims)
            return redirect(start_response, self._grant(authorization))
        request_id = secrets.token_urlsafe(16)
        with self.lock:
            self.pending[request_id] = authorization
        return redirect(start_response, f"{self.base}{self.chooser}?request={request_id}")

    def _token(self, environ, start_response):
        form = form_of(environ)
        self.token_requests.append(form | {"authorization": environ.get("HTTP_AUTHORIZATION", "")})
        if self.token_error is not None:
            return json_answer(start_response, self.token_error, 400)
        with self.lock:
            authorization = self.codes.pop(form.get("code", ""), None)
        refusal = self._refuse_code(environ, form, authorization)
        if refusal is not None:
            error, description, status = refusal
            body = {"error": error, "error_description": description}
            return json_answer(start_response, body, status, {"Cache-Control": "no-store"})
        access_token = secrets.token_urlsafe(32)
        with self.lock:
            self.access_tokens[access_token] = authorization.claims
        answer = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "scope": authorization.scope,
            "id_token": self.id_token(
                authorization.client_id, authorization.claims, authorization.nonce
            ),
        }
        return json_answer(start_response, answer, 200, {"Cache-Control": "no-store"})

    def _refuse_code(self, environ, form, authorization) -> tuple[str, str, int] | None:
        """Okta's checks of a code exchange (RFC 6749 section 4.1.3, RFC 7636)."""
        if form.get("grant_type") != "authorization_code":
            return "unsupported_grant_type", "The grant type is not supported.", 400
        if authorization is None or authorization.expires_at < time.time():
            return "invalid_grant", "The authorization code is invalid or has expired.", 400
        client = self.clients.get(authorization.client_id)
        if client is not None and not pkce.client_authenticated(environ, form, client):
            return "invalid_client", "Client authentication failed.", 401
        if form.get("redirect_uri") != authorization.redirect_uri:
            return "invalid_grant", "The redirect_uri does not match the authorize one.", 400
        if authorization.challenge and not pkce.verifier_matches(
            form.get("code_verifier", ""), authorization.challenge
        ):
            return "invalid_grant", "PKCE verification failed.", 400
        return None

    def _userinfo(self, environ, start_response):
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        claims = self.access_tokens.get(token) if scheme == "Bearer" else None
        if claims is None:
            headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            body = {"error": "invalid_token", "error_description": "The token is invalid."}
            return json_answer(start_response, body, 401, headers)
        return json_answer(start_response, claims)

    def _logout(self, environ, start_response):
        query = query_of(environ)
        target = query.get("post_logout_redirect_uri")
        allowed = {uri for client in self.clients.values() for uri in client.redirect_uris}
        allowed |= {u for c in self.clients.values() for u in c.post_logout_redirect_uris}
        if target and (not self.clients or target in allowed):
            state = query.get("state")
            return redirect(
                start_response, target + (f"?{urlencode({'state': state})}" if state else "")
            )
        return _text(start_response, 200, "You are signed out of Simulated Okta.")


def _text(start_response, status: int, text: str):
    start_response(status_line(status), [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode()]
