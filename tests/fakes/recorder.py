"""An HTTP server that records every request it gets: the target an outbound request must
never reach (a loopback service, another origin a hostile ``next`` link names). It answers
whatever ``answer`` says (by default a plausible OpenID configuration and an Okta user), so
a request that does get through looks like a success and the test cannot miss it."""

import json
import threading

from werkzeug.serving import make_server


def discovery_document(environ) -> dict:
    """An OpenID configuration for the issuer the request was addressed to."""
    host, scheme = environ.get("HTTP_HOST", ""), environ["wsgi.url_scheme"]
    issuer = f"{scheme}://{host}{environ['PATH_INFO'].split('/.well-known')[0]}"
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
    }


class Recorder:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, ssl_context=None):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.answer = self._default_answer
        self.server = make_server(host, port, self, threaded=True, ssl_context=ssl_context)
        self.port = self.server.server_port
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://{f'[{host}]' if ':' in host else host}:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __call__(self, environ, start_response):
        with self.lock:
            self.requests.append(
                {
                    "path": environ["PATH_INFO"],
                    "host": environ.get("HTTP_HOST", ""),
                    "authorization": environ.get("HTTP_AUTHORIZATION", ""),
                }
            )
        status, headers, body = self.answer(environ)
        start_response(status, headers)
        return [body]

    def _default_answer(self, environ):
        if environ["PATH_INFO"].endswith("/.well-known/openid-configuration"):
            document = discovery_document(environ)
        else:
            document = {"id": "00uadmin", "profile": {"login": "it@acme.example.com"}}
        return "200 OK", [("Content-Type", "application/json")], json.dumps(document).encode()

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
