"""The simulated org's servers at one address, as Okta serves them under an org URL:
the management API (``/api/v1/...``), the org authorization server's token endpoint for
both service apps and sign-in (``/oauth2/v1/token``, told apart by ``grant_type``), and
sign-in's discovery, authorize, keys, userinfo and end-session."""

import io
from urllib.parse import parse_qs

from .answers import FORM_MAX_BYTES, okta_error
from .world import SimulatedOkta

DISCOVERY = "/.well-known/openid-configuration"
SERVICE_APP_GRANT = "client_credentials"


def is_protocol_path(path: str) -> bool:
    """The paths Okta's servers answer (everything else is a console page)."""
    return path.startswith(("/api/v1/", "/oauth2/v1/")) or path == DISCOVERY


class Site:
    def __init__(self, world: SimulatedOkta):
        self.world = world

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/oauth2/v1/token" and environ["REQUEST_METHOD"] == "POST":
            grant = _peek_grant_type(environ)
            target = self.world.api if grant == SERVICE_APP_GRANT else self.world.openid
            return target(environ, start_response)
        if path.startswith("/api/v1/") or path.startswith("/oauth2/v1/clients/"):
            return self.world.api(environ, start_response)
        if path == DISCOVERY or path in self.world.openid.routes.values():
            return self.world.openid(environ, start_response)
        return okta_error(start_response, 404, "E0000022", "The endpoint does not support it.")


class Mount:
    """Serves ``site`` under ``prefix`` of another WSGI app (ours, in ``make run``): the
    protocol paths below the prefix go to Okta's servers, untouched by our app's
    sessions, CSRF and rate limits; every other path (the console pages) to ``app``."""

    def __init__(self, app, prefix: str, site: Site):
        self.app, self.prefix, self.site = app, prefix, site

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        rest = path[len(self.prefix) :] if path.startswith(self.prefix + "/") else None
        if rest is None or not is_protocol_path(rest):
            return self.app(environ, start_response)
        mounted = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + self.prefix)
        mounted["PATH_INFO"] = rest
        return self.site(mounted, start_response)


def _peek_grant_type(environ) -> str:
    """Read the form to route it, and put it back for the server that answers."""
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), FORM_MAX_BYTES)
    except ValueError:
        length = 0
    data = environ["wsgi.input"].read(length)
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(data), str(len(data))
    return parse_qs(data.decode("utf-8", "replace")).get("grant_type", [""])[0]
