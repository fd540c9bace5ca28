"""A real OpenID provider (oidc-provider-mock) that also enforces PKCE, as Okta does for
a Native app with "Proof Key for Code Exchange" and no client secret (seed 001).

oidc-provider-mock issues codes without checking PKCE; this WSGI layer in front of it
remembers each code's ``code_challenge`` (S256) from the authorize request and refuses a
token request whose ``code_verifier`` does not match, or a code issued without a
challenge, with ``invalid_grant`` (RFC 7636 §4.6). oidc-provider-mock knows no public
clients: a token request without a client secret, once its verifier passed here, is
handed on with a placeholder secret (any secret passes for an unregistered client
there), as Okta accepts a Native app's PKCE exchange; ``/pkce/stats`` counts them. Run
it as its own process:
``gunicorn 'tests.fakes.pkce_provider:app()'``."""

import base64
import hashlib
import io
import json
import threading
from urllib.parse import parse_qs, urlsplit

from oidc_provider_mock import app as provider_app


class PkceProvider:
    def __init__(self, inner):
        self.inner = inner
        self.challenges: dict[str, str] = {}  # code -> S256 challenge ("" when none)
        self.lock = threading.Lock()
        self.public_exchanges = 0  # token requests without a client secret

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/authorize" and environ["REQUEST_METHOD"] == "POST":
            return self._authorize(environ, start_response)
        if path == "/oauth2/token" and environ["REQUEST_METHOD"] == "POST":
            return self._token(environ, start_response)
        if path == "/pkce/stats":
            return self._json(start_response, "200 OK", {"public_exchanges": self.public_exchanges})
        return self.inner(environ, start_response)

    def _authorize(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        method = query.get("code_challenge_method", [""])[0]
        challenge = query.get("code_challenge", [""])[0] if method == "S256" else ""

        def remember(status, headers, exc_info=None):
            location = dict(headers).get("Location", "")
            code = parse_qs(urlsplit(location).query).get("code", [""])[0]
            if code:
                with self.lock:
                    self.challenges[code] = challenge
            return start_response(status, headers, exc_info)

        return self.inner(environ, remember)

    def _token(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        form = parse_qs(body.decode())
        code = form.get("code", [""])[0]
        verifier = form.get("code_verifier", [""])[0]
        if form.get("grant_type", [""])[0] == "authorization_code":
            with self.lock:
                challenge = self.challenges.pop(code, "")
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not challenge or not verifier or expected != challenge:
                return self._json(
                    start_response,
                    "400 Bad Request",
                    {"error": "invalid_grant", "error_description": "PKCE verification failed"},
                )
            if "HTTP_AUTHORIZATION" not in environ and "client_secret" not in form:
                self.public_exchanges += 1
                body += b"&client_secret=public-client-by-pkce"
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
        return self.inner(environ, start_response)

    @staticmethod
    def _json(start_response, status, body):
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


def app():
    return PkceProvider(provider_app(require_nonce=True))
