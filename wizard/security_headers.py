"""Security headers on every response: no inline script, no framing, no sniffing."""

from flask import Flask, current_app, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' https:"
)


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)


# Sign-in forms redirect to the organization's Okta, which is https in production; in
# development the provider may be an http server on this machine.
DEVELOPMENT_FORM_ACTION = " http://127.0.0.1:* http://localhost:*"


def _add_headers(response):
    headers = response.headers
    policy = CONTENT_SECURITY_POLICY
    if current_app.config["APP_ENV"] == "development":
        policy += DEVELOPMENT_FORM_ACTION
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
