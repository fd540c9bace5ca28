"""The Okta API connection (seed 000's "connection items"): the org URL and either an
Okta API Services app (recommended: its client ID, our key pair; OAuth 2.0 scoped
tokens) or an admin's API token, stored encrypted; and *Test connection*, which checks
reading users, groups, apps and admin roles separately and names exactly what is
missing. Okta's answers are checked for their shape: a hostile or wrong server gets a
failed check, never a crash."""

import re

from .. import outbound
from ..models import ApiAuth, OktaConnection, utcnow
from ..security import decrypt_secret, encrypt_secret, secret_hint
from . import service_app_connection, service_app_keys
from .api_settings import (  # noqa: F401 (the connection's vocabulary, used as api_connection.X)
    ApiSettingsError,
    checked_client_id,
    checked_org_url,
    checked_token,
    normalize_org_url,
)
from .okta_answers import CAN_ADD_APPS, parse_apps, role_types
from .okta_api import OktaApiError, OktaClient
from .okta_scopes import SYNC_SCOPES
from .service_app_connection import chosen_auth, save_service_app  # noqa: F401 (the same)

OKTA_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")  # goes into a request path: nothing else
CHECKS = (
    ("users", "Read users", "okta.users.read", "/api/v1/users", {"limit": 1}),
    ("groups", "Read groups", "okta.groups.read", "/api/v1/groups", {"limit": 1}),
)


def save_api_settings(connection: OktaConnection, org_url: str, token: str | None) -> None:
    """The API token way; choosing it forgets the service app's key pair (one credential
    kept: the one in use)."""
    connection.api.org_url = checked_org_url(connection, org_url)
    token = checked_token(token)
    if token:
        connection.api.token = encrypt_secret(token)
        connection.api.token_hint = secret_hint(token)
    if not connection.api.token:
        raise ApiSettingsError("api_token", "Paste an API token (Security > API > Tokens).")
    connection.api.auth, connection.api.oauth_client_id = ApiAuth.TOKEN.value, ""
    service_app_keys.forget(connection)
    connection.updated_at = utcnow()
    connection.save()


def save_and_check(connection: OktaConnection, auth: str, org_url: str, client_id, token):
    """The page's *Save and test connection*, the way the admin chose."""
    if auth == ApiAuth.SERVICE_APP:
        return save_service_app(connection, org_url, client_id)
    save_api_settings(connection, org_url, token)
    return check_connection(connection)


def client_for(connection: OktaConnection, scopes=SYNC_SCOPES, **kwargs) -> OktaClient:
    """A client signed in as the connection says; a service app's tokens carry
    ``scopes`` (the sync's, unless a page needs another, e.g. okta.schemas.read)."""
    if connection.api.auth == ApiAuth.SERVICE_APP:
        return service_app_connection.client(
            connection, connection.api.org_url, connection.api.oauth_client_id, scopes, **kwargs
        )
    return candidate_client(
        connection, connection.api.org_url, decrypt_secret(connection.api.token), **kwargs
    )


def candidate_client(connection: OktaConnection, org_url: str, token: str, **kwargs):
    """A client for settings not saved yet (the CLI tests before it saves)."""
    session = outbound.session(connection.organization)
    return OktaClient(org_url, token, session=session, **kwargs)


def check_connection(connection: OktaConnection, client: OktaClient | None = None) -> dict:
    """Test each permission separately; store and return what passed and why not."""
    if connection.api.auth == ApiAuth.SERVICE_APP:
        check = service_app_connection.run_checks(
            connection, connection.api.org_url, connection.api.oauth_client_id
        )
    else:
        check = run_checks(client or client_for(connection, budget_seconds=30, timeout=10))
    connection.api.last_check, connection.api.checked_at = check, utcnow()
    connection.save()
    return check


def configure_if_working(connection: OktaConnection, org_url: str, token: str | None) -> dict:
    """Test new settings before storing them: a failing test stores nothing (the CLI,
    which has no page to show a half-working connection on)."""
    org_url, token = checked_org_url(connection, org_url), checked_token(token)
    client = candidate_client(connection, org_url, token, budget_seconds=30, timeout=10)
    check = run_checks(client)
    if check["ok"]:
        save_api_settings(connection, org_url, token)
        connection.api.last_check, connection.api.checked_at = check, utcnow()
        connection.save()
    return check


def run_checks(client: OktaClient) -> dict:
    """What the token may do, checked call by call; stores nothing."""
    results = {}
    for key, label, scope, path, params in CHECKS:
        results[key] = _probe(client, label, scope, lambda p=path, q=params: client.get(p, q))
    try:
        roles = _roles(client)
        results["roles"] = {"ok": True, "label": "Read admin roles", "scope": "okta.roles.read"}
    except OktaApiError as error:
        roles = []
        results["roles"] = _failure("Read admin roles", "okta.roles.read", error)
    apps = []
    if results["users"]["ok"]:
        try:
            apps = _apps(client)
        except OktaApiError as error:
            results["apps"] = _failure("List apps", "okta.apps.read", error)
    return {
        "ok": all(result["ok"] for result in results.values()),
        "auth": "token",
        "holder": "The token's owner",
        "results": results,
        "roles": [label for _, label in roles],
        "can_add_apps": bool(CAN_ADD_APPS & {kind for kind, _ in roles}),
        "apps": apps,
    }


def _roles(client) -> list[tuple[str, str]]:
    """The admin roles of the token's owner (/users/me, then its roles)."""
    me = client.get("/api/v1/users/me")
    user_id = me.get("id") if isinstance(me, dict) else None
    if not isinstance(user_id, str) or not OKTA_ID.match(user_id):
        raise OktaApiError("bad_response", "Okta's answer to /api/v1/users/me has no user id.")
    return role_types(client.get(f"/api/v1/users/{user_id}/roles"))


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
    """Okta's active apps, for the app picker. Missing permission: no list (the picker
    says so); an answer that is not a list of apps: a failed check."""
    try:
        answer = client.get("/api/v1/apps", {"limit": 200})
    except OktaApiError as error:
        if error.kind in ("forbidden", "not_found"):
            return []
        raise
    return parse_apps(answer)
