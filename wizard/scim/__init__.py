"""SCIM 2.0 server for Okta: ``/scim/v2/<connection key>/Users``, ``/Groups`` and
discovery. The contract we follow is docs/scim.md."""

import re

from flask import Flask
from flask.sessions import NullSession, SecureCookieSessionInterface

from ..db import database
from ..extensions import csrf
from . import discovery, groups, request_log, users, verified_tokens
from .blueprint import bp

__all__ = ["bp", "discovery", "groups", "init_app", "users"]
PREFIX = "/scim/"
_SLASHES = re.compile(r"/{2,}")


class CollapseSlashes:
    """``…/scim/v2/key//Users/`` routes like ``…/scim/v2/key/Users``: admins paste base
    URLs with a trailing slash, and clients join paths with another."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX) or path.startswith("//scim/"):
            path = _SLASHES.sub("/", path)
            environ["PATH_INFO"] = path.rstrip("/") or "/"
        return self.wsgi_app(environ, start_response)


class NoScimSession(NullSession):
    def _refuse(self, *args, **kwargs):
        raise RuntimeError("SCIM requests have no session: the bearer token is the credential")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class SessionsOutsideScim(SecureCookieSessionInterface):
    """SCIM is authenticated by its bearer token alone: a browser's session cookie on a
    SCIM URL is never read there, and no SCIM answer sets or varies on one. Opening the
    signed cookie's serializer was also 6 % of every SCIM request (cProfile)."""

    null_session_class = NoScimSession

    def open_session(self, app, request):
        if request.path.startswith(PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    csrf.exempt(bp)  # bearer tokens, not cookies: CSRF cannot apply
    app.register_blueprint(bp)
    request_log.init_app(app, database.obj)
    verified_tokens.init_app(app)
    app.wsgi_app = CollapseSlashes(app.wsgi_app)
    app.session_interface = SessionsOutsideScim()
