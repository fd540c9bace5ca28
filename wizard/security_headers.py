"""Security headers on every response: no inline script, no framing, no sniffing, forms
that post only to us, images only from us, HSTS whenever we are served over https.

The policy starts from ``'self'`` and a page adds only what it needs:

- ``form-action``: a browser checks the redirects that follow a form's POST against it
  too (Chromium blocks them). The email-first sign-in form redirects to the
  organization's Okta, unknown until the email is typed, so the sign-in page allows
  Okta's own domains; a custom Okta domain is reached through a page of ours instead
  (auth/continue.html), a navigation form-action does not govern. The sign-out form on
  every signed-in page allows the member's own Okta, where sign-out redirects.
- ``img-src``: member photos are https URLs from Okta profiles (detail mappings); a page
  allows the origins of the photos it shows, each checked to be a plain host name.
"""

import re
from urllib.parse import urlsplit

from flask import Flask, current_app, g, make_response, request
from flask_login import current_user

from .models import OktaConnection, SsoConfiguration, SsoState

BASE_POLICY = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("frame-ancestors", "'none'"),
    ("form-action", "'self'"),
)
# Okta's own domains (https://developer.okta.com/docs/guides/custom-url-domain/).
OKTA_DOMAINS = (
    "https://*.okta.com",
    "https://*.oktapreview.com",
    "https://*.okta-emea.com",
    "https://*.okta-gov.com",
    "https://*.okta.mil",
)
# In development the OpenID provider may be an http server on this machine.
DEVELOPMENT_FORM_ACTION = ("http://127.0.0.1:*", "http://localhost:*")
HSTS = "max-age=31536000; includeSubDomains"
HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
    app.add_template_filter(photo_src)


def shown_once(html: str):
    """A page holding a secret shown once: never cached, never replayed from history."""
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def https_origin(url: str) -> str | None:
    """``https://host[:port]`` of ``url`` when it is one a policy may name, else None:
    https, a plain DNS host name (no credentials, no characters that could end a source
    or a directive), a numeric port."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme != "https" or "@" in parts.netloc or not HOST.match(host):
        return None
    return f"https://{host}" + (f":{port}" if port else "")


def allow(directive: str, *sources: str) -> None:
    """Add sources to this response's policy (a view or template that needs them)."""
    g.setdefault("csp_sources", {}).setdefault(directive, set()).update(sources)


def allow_form_redirect_to(url: str) -> None:
    """A form on this page answers with a redirect to ``url`` (the wizard's Test sign-in
    goes to the provider being tested): allow its origin, when a policy may name it."""
    origin = https_origin(url or "")
    if origin is not None:
        allow("form-action", origin)


def photo_src(url: str) -> str:
    """Template filter: a member photo's URL for ``<img src>``, its origin allowed for
    this page; "" (no photo) when the URL is not one we show."""
    origin = https_origin(url or "")
    if origin is None:
        return ""
    allow("img-src", origin)
    return url


def is_okta_domain(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    return any(host.endswith(domain.removeprefix("https://*")) for domain in OKTA_DOMAINS)


def sign_in_form_allows(issuer: str) -> bool:
    """Whether the sign-in page's policy lets its form's redirect reach ``issuer``."""
    origin = https_origin(issuer)
    if origin is not None:
        return is_okta_domain(origin)
    parts = urlsplit(issuer)
    development = current_app.config["APP_ENV"] == "development"
    return development and parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")


def _sign_out_origin() -> str | None:
    """The signed-in member's Okta, where the sign-out form's redirect goes."""
    if not current_user.is_authenticated or not current_user.organization_id:
        return None
    issuer = (
        SsoConfiguration.select(SsoConfiguration.issuer)
        .join(OktaConnection)
        .where(
            (OktaConnection.organization == current_user.organization_id)
            & (SsoConfiguration.state == SsoState.LIVE)
        )
        .scalar()
    )
    return https_origin(issuer) if issuer else None


def content_security_policy() -> str:
    extra = {name: set(sources) for name, sources in g.get("csp_sources", {}).items()}
    sign_out = _sign_out_origin()
    if sign_out:
        extra.setdefault("form-action", set()).add(sign_out)
    if current_app.config["APP_ENV"] == "development":
        extra.setdefault("form-action", set()).update(DEVELOPMENT_FORM_ACTION)
    parts = []
    for name, base in BASE_POLICY:
        added = [s for s in OKTA_DOMAINS if s in extra.get(name, ())]  # their own order
        added += sorted(extra.get(name, set()) - set(added))
        parts.append(" ".join([name, base, *added]))
    return "; ".join(parts)


def _add_headers(response):
    headers = response.headers
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", content_security_policy())
    else:
        headers.setdefault("Content-Security-Policy", "; ".join(" ".join(d) for d in BASE_POLICY))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    # Behind a proxy that terminates TLS the request reaches us over http; the public URL
    # says how browsers reach us.
    if current_app.config["PUBLIC_BASE_URL"].startswith("https://") or request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
