"""A minimal OpenID provider on 127.0.0.1 whose ID tokens the test writes itself (wrong
aud, wrong iss, expired, bad signature, nonce, unknown kid), to prove our checks."""

import json
import time
from urllib.parse import parse_qs, urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


class CraftedProvider:
    def __init__(self):
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "key-1"})]
        self.signing_key = self.keys[0]
        self.overrides: dict = {}  # claims to change (None removes)
        self.nonce = None
        self.base = ""
        self.token_requests: list[dict] = []
        self.token_error: dict | None = None  # an OAuth error body the token endpoint answers
        self.paths: list[str] = []  # every path asked for, in order
        self.discovery_overrides: dict = {}  # members of the discovery document to replace
        self.redirects: dict[str, str] = {}  # path -> where a 302 sends the caller

    def rotate(self) -> None:
        """Sign with a new key the JWKS does not list yet, then publish it."""
        self.signing_key = RSAKey.generate_key(2048, parameters={"kid": "key-2"})

    def publish_signing_key(self) -> None:
        self.keys.append(self.signing_key)

    def id_token(self, client_id: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base,
            "sub": "00u-crafted",
            "aud": client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,  # Okta always says when the person signed in
            "nonce": self.nonce,
            "email": "jane@acme.example.com",
            "email_verified": True,
            "name": "Jane Doe",
        }
        for name, value in self.overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        header = {"alg": "RS256", "kid": self.signing_key.kid}
        return jwt.encode(header, claims, self.signing_key)

    def __call__(self, environ, start_response):
        path, query = environ["PATH_INFO"], parse_qs(environ.get("QUERY_STRING", ""))
        self.base = f"http://127.0.0.1:{environ['SERVER_PORT']}"
        self.paths.append(path)
        if path in self.redirects:
            start_response("302 Found", [("Location", self.redirects[path])])
            return [b""]
        if path == "/.well-known/openid-configuration":
            return self._json(start_response, self.discovery())
        if path == "/jwks":
            return self._json(start_response, KeySet(self.keys).as_dict(private=False))
        if path == "/authorize":
            self.nonce = query.get("nonce", [None])[0]
            target = (
                query["redirect_uri"][0]
                + "?"
                + urlencode({"code": "crafted-code", "state": query["state"][0]})
            )
            start_response("302 Found", [("Location", target)])
            return [b""]
        if path == "/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = parse_qs(environ["wsgi.input"].read(length).decode())
            self.token_requests.append(
                {k: v[0] for k, v in form.items()}
                | {"authorization": environ.get("HTTP_AUTHORIZATION", "")}
            )
            if self.token_error is not None:
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [json.dumps(self.token_error).encode()]
            client_id = form.get("client_id", ["0oa-crafted"])[0]
            return self._json(
                start_response,
                {
                    "access_token": "at",
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": self.id_token(client_id),
                },
            )
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def discovery(self) -> dict:
        document = {
            "issuer": self.base,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "jwks_uri": f"{self.base}/jwks",
            "end_session_endpoint": f"{self.base}/logout",
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        return document | self.discovery_overrides

    @staticmethod
    def _json(start_response, body):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]
