"""What an admin types for the Okta API connection, checked before anything is sent or
stored: the org URL (normalized, and one the outbound door lets a request go to), an API
token, a service app's client ID. Each refusal names the form field it belongs to."""

import re
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from .. import outbound
from ..config import is_loopback_host
from ..models import OktaConnection

CLIENT_ID = re.compile(r"^[A-Za-z0-9]{8,64}$")  # an Okta app's id (0oa...): a path, a claim


class ApiSettingsError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def normalize_org_url(value: str) -> str:
    text = (value or "").strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if not parts.hostname or parts.path.strip("/") or parts.query:
        raise ApiSettingsError("org_url", "Enter your Okta org URL, e.g. https://acme.okta.com.")
    if parts.scheme != "https" and not (
        parts.scheme == "http" and is_loopback_host(parts.hostname)
    ):
        raise ApiSettingsError(
            "org_url",
            "The org URL must use https:// (http:// only for this machine, e.g. 127.0.0.1).",
        )
    return f"{parts.scheme}://{parts.netloc}"


def checked_org_url(connection: OktaConnection, value: str) -> str:
    """The normalized org URL, once the outbound door would let a request go there.
    Simulated Okta's org URL has a path (``/simulated-okta``): it is taken as it is."""
    simulated = current_app.config.get("SIMULATED_OKTA_URL") if has_app_context() else ""
    if simulated and (value or "").strip().rstrip("/") == simulated:
        return simulated
    org_url = normalize_org_url(value)
    try:
        outbound.check(org_url, connection.organization)
    except outbound.OutboundError as error:
        raise ApiSettingsError("org_url", error.message) from None
    return org_url


def checked_token(token: str | None) -> str:
    token = (token or "").strip()
    if " " in token or len(token) > 200:
        raise ApiSettingsError("api_token", "Paste the API token exactly as Okta showed it.")
    return token


def checked_client_id(value: str | None) -> str:
    client_id = (value or "").strip()
    if not CLIENT_ID.match(client_id):
        raise ApiSettingsError(
            "client_id",
            "Paste the Client ID from the app's General tab > Client Credentials "
            "(letters and digits, e.g. 0oa1b2c3d4e5F6G7h8i9).",
        )
    return client_id
