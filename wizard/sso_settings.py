"""Single sign-on settings: check what the admin typed, prove the issuer answers, store.

Shared by the wizard's SSO step and ``flask sso configure``: each problem is raised
with the field it belongs to and a sentence the admin can act on.
"""

import re
from functools import partial
from urllib.parse import urlsplit

import requests
from flask import current_app

from . import domains, sso_configurations
from .config import is_loopback_host
from .db import database
from .models import OktaConnection, Organization, utcnow

DISCOVERY_TIMEOUT = 5  # seconds: the admin is waiting on the page
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9._~-]{1,255}$")


class SsoSettingsError(ValueError):
    """One or more fields are wrong: ``errors`` maps each field to its message."""

    def __init__(self, field: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.field, self.message = field, message
        self.errors = errors or {field: message}

    @classmethod
    def combine(cls, errors: list["SsoSettingsError"]) -> "SsoSettingsError":
        first = errors[0]
        return cls(first.field, first.message, {e.field: e.message for e in errors})


def issuer_from_input(value: str) -> str:
    """``acme.okta.com``, ``https://acme.okta.com/`` or a custom authorization server's
    issuer (``https://acme.okta.com/oauth2/default``) -> the issuer URL."""
    text = (value or "").strip()
    if not text:
        raise SsoSettingsError("okta_domain", "Enter your Okta domain, e.g. acme.okta.com.")
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host or parts.query or parts.fragment:
        raise SsoSettingsError("okta_domain", "Enter a domain like acme.okta.com or an issuer URL.")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise SsoSettingsError(
            "okta_domain",
            "The issuer must use https:// (http:// is only "
            "accepted for this machine, e.g. 127.0.0.1).",
        )
    if not is_loopback_host(host) and not DOMAIN.match(host):
        raise SsoSettingsError("okta_domain", f"{host!r} is not a valid domain name.")
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def email_domain_field(call, organization: Organization, value: str):
    """A domain rule (``domains.check_claimable``, ``domains.claim``) whose refusal, e.g.
    a free-mail domain or another organization's verified one, belongs to the field."""
    try:
        return call(organization, value)
    except domains.DomainError as error:
        raise SsoSettingsError("email_domain", str(error)) from None


def check_client_id(value: str) -> str:
    value = (value or "").strip()
    if not CLIENT_ID.match(value):
        raise SsoSettingsError(
            "client_id",
            "Paste the Client ID from the Okta app's General "
            "tab (letters, digits, '-', '_', '.', '~').",
        )
    return value


def fetch_discovery(issuer: str, timeout: float = DISCOVERY_TIMEOUT) -> dict:
    """The issuer's OpenID configuration, or an error naming what went wrong."""
    url = f"{issuer}/.well-known/openid-configuration"
    field = "okta_domain"
    try:
        response = requests.get(
            url, timeout=timeout, allow_redirects=False, headers={"Accept": "application/json"}
        )
    except requests.exceptions.SSLError:
        raise SsoSettingsError(
            field, f"The TLS certificate of {urlsplit(issuer).hostname} could not be verified."
        ) from None
    except requests.exceptions.Timeout:
        raise SsoSettingsError(
            field,
            f"{issuer} did not answer within {timeout:g} seconds. Check the domain and try again.",
        ) from None
    except requests.exceptions.ConnectionError as exc:
        if (
            "Name or service not known" in str(exc)
            or "NameResolution" in repr(exc)
            or ("getaddrinfo" in str(exc) or "nodename nor servname" in str(exc))
        ):
            raise SsoSettingsError(
                field,
                f"The domain {urlsplit(issuer).hostname} does not "
                "exist (DNS lookup failed). Check for typos.",
            ) from None
        raise SsoSettingsError(field, f"Could not connect to {issuer}.") from None
    if response.status_code == 404:
        raise SsoSettingsError(
            field,
            f"{issuer} has no OpenID configuration (404). For a custom "
            "authorization server, paste its issuer URL.",
        )
    if response.status_code != 200:
        raise SsoSettingsError(
            field, f"{issuer} answered {response.status_code} to the OpenID configuration request."
        )
    try:
        document = response.json()
    except ValueError:
        raise SsoSettingsError(
            field, f"{url} did not return JSON: is this an Okta domain?"
        ) from None
    if not isinstance(document, dict) or "authorization_endpoint" not in document:
        raise SsoSettingsError(field, f"{url} is not an OpenID Connect configuration.")
    if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise SsoSettingsError(
            field,
            f"The provider calls itself {document.get('issuer')!r}, not "
            f"{issuer!r}. Paste that issuer URL instead.",
        )
    return document


def save_sso_settings(
    connection: OktaConnection,
    *,
    okta_domain: str,
    client_id: str,
    client_secret: str | None,
    email_domain: str,
    check_issuer: bool = True,
    saved_by=None,
    saved_by_label: str = "",
) -> dict:
    """Validate field by field, then the issuer; store the issuer, client ID and secret as
    a *pending* configuration (sso_configurations: it goes live only through an
    EnterpriseAdmin's passing test sign-in). ``client_secret`` None or empty keeps the
    stored one (it is never shown again). Returns what changed, for audit."""
    issuer, client_id, domain = _check_fields(
        connection, okta_domain, client_id, client_secret, email_domain
    )
    if check_issuer:
        fetch_discovery(issuer)
    with database.atomic():
        pending, changed = sso_configurations.stage(
            connection,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            created_by=saved_by,
            created_by_label=saved_by_label,
        )
        # The domain is claimed, pending: it routes nothing until its DNS record proves it.
        _, claimed = email_domain_field(domains.claim, connection.organization, domain)
        connection.updated_at = utcnow()
        connection.save()
    return {
        "changed": changed,
        "pending": pending is not None,
        **({"domain_claimed": domain} if claimed else {}),
    }


def _check_fields(connection, okta_domain, client_id, client_secret, email_domain):
    """Every format check at once, so the admin sees all problems in one round."""
    errors, values = [], []
    checks = (
        (issuer_from_input, okta_domain),
        (check_client_id, client_id),
        (
            partial(email_domain_field, domains.check_claimable, connection.organization),
            email_domain,
        ),
    )
    for check, value in checks:
        try:
            values.append(check(value))
        except SsoSettingsError as error:
            errors.append(error)
            values.append(None)
    if client_secret and (len(client_secret) > 255 or any(c.isspace() for c in client_secret)):
        message = "The client secret has spaces or is too long: copy it again from Okta."
        errors.append(SsoSettingsError("client_secret", message))
    if errors:
        raise SsoSettingsError.combine(errors)
    return values


def redirect_uris(organization: Organization) -> dict:
    """The one login and one logout redirect URI the admin registers in Okta, and the
    app tile's initiate-login URI; built from PUBLIC_BASE_URL, never the request's host."""
    base = f"{current_app.config['PUBLIC_BASE_URL']}/login/okta/{organization.slug}"
    return {"login": f"{base}/callback", "logout": f"{base}/signed-out", "initiate": base}
