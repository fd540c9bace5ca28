"""The Okta API connection (seed 000's "connection items"): org URL and API token,
stored encrypted, and *Test connection*, which checks reading users, groups and admin
roles separately and names exactly what is missing."""

from urllib.parse import urlsplit

from ..config import is_loopback_host
from ..models import OktaConnection, utcnow
from ..security import decrypt_secret, encrypt_secret, secret_hint
from .okta_api import OktaApiError, OktaClient

ROLE_LABELS = {
    "SUPER_ADMIN": "Super Admin",
    "ORG_ADMIN": "Org Admin",
    "APP_ADMIN": "App Admin",
    "USER_ADMIN": "Group Admin",
    "GROUP_MEMBERSHIP_ADMIN": "Group Membership Admin",
    "READ_ONLY_ADMIN": "Read-only Admin",
    "HELP_DESK_ADMIN": "Help Desk Admin",
}
CAN_ADD_APPS = {"SUPER_ADMIN", "ORG_ADMIN", "APP_ADMIN"}
CHECKS = (
    ("users", "Read users", "okta.users.read", "/api/v1/users", {"limit": 1}),
    ("groups", "Read groups", "okta.groups.read", "/api/v1/groups", {"limit": 1}),
)


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


def save_api_settings(connection: OktaConnection, org_url: str, token: str | None) -> None:
    connection.api_org_url = normalize_org_url(org_url)
    if token:
        token = token.strip()
        if " " in token or len(token) > 200:
            raise ApiSettingsError("api_token", "Paste the API token exactly as Okta showed it.")
        connection.api_token = encrypt_secret(token)
        connection.api_token_hint = secret_hint(token)
    if not connection.api_token:
        raise ApiSettingsError("api_token", "Paste an API token (Security > API > Tokens).")
    connection.updated_at = utcnow()
    connection.save()


def client_for(connection: OktaConnection, **kwargs) -> OktaClient:
    return OktaClient(connection.api_org_url, decrypt_secret(connection.api_token), **kwargs)


def check_connection(connection: OktaConnection, client: OktaClient | None = None) -> dict:
    """Test each permission separately; store and return what passed and why not."""
    client = client or client_for(connection, budget_seconds=30, timeout=10)
    results, roles = {}, []
    for key, label, scope, path, params in CHECKS:
        results[key] = _probe(client, label, scope, lambda p=path, q=params: client.get(p, q))
    try:
        me = client.get("/api/v1/users/me")
        roles = [role.get("type", "") for role in client.get(f"/api/v1/users/{me['id']}/roles")]
        results["roles"] = {"ok": True, "label": "Read admin roles", "scope": "okta.roles.read"}
    except OktaApiError as error:
        results["roles"] = _failure("Read admin roles", "okta.roles.read", error)
    check = {
        "ok": all(result["ok"] for result in results.values()),
        "results": results,
        "roles": [ROLE_LABELS.get(role, role.replace("_", " ").title()) for role in roles],
        "can_add_apps": bool(CAN_ADD_APPS & set(roles)),
        "apps": _apps(client) if results["users"]["ok"] else [],
    }
    connection.api_check, connection.api_checked_at = check, utcnow()
    connection.save()
    return check


def _probe(client, label, scope, call) -> dict:
    try:
        call()
    except OktaApiError as error:
        return _failure(label, scope, error)
    return {"ok": True, "label": label, "scope": scope}


def _failure(label: str, scope: str, error: OktaApiError) -> dict:
    message = error.message
    if error.kind == "forbidden":
        message = f"The token may not do this: grant the {scope} scope (or an admin role "
        message += "that includes it) to the token's owner."
    return {"ok": False, "label": label, "scope": scope, "message": message, "kind": error.kind}


def _apps(client) -> list[dict]:
    try:
        return [
            {"id": app["id"], "label": app.get("label", app["id"])}
            for app in client.get("/api/v1/apps", {"limit": 200})
            if app.get("status", "ACTIVE") == "ACTIVE"
        ]
    except OktaApiError:
        return []
