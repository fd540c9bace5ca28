"""The Okta API connection (seed 000's "connection items"): the org URL and either an
Okta API Services app (recommended: its client ID, our key pair; OAuth 2.0 scoped
tokens) or an admin's API token, stored encrypted; and *Test connection*, which checks
reading users, groups, apps and admin roles separately and names exactly what is
missing. Okta's answers are checked for their shape: a hostile or wrong server gets a
failed check, never a crash."""

import re
import time
from urllib.parse import urlsplit

from .. import outbound
from ..config import is_loopback_host
from ..models import ApiAuth, OktaConnection, utcnow
from ..security import decrypt_secret, encrypt_secret, secret_hint
from . import service_app_checks, service_app_keys
from .oauth_tokens import Identity, TokenSource
from .okta_api import OktaApiError, OktaClient
from .okta_auth import ServiceAppAuth
from .okta_scopes import SYNC_SCOPES

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
OKTA_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")  # goes into a request path: nothing else
CLIENT_ID = re.compile(r"^[A-Za-z0-9]{8,64}$")  # an Okta app's id (0oa...): a path, a claim
ROLE_TYPE = re.compile(r"^[A-Z_]{1,40}$")  # shown on the page: Okta's vocabulary, no prose
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


def checked_org_url(connection: OktaConnection, value: str) -> str:
    """The normalized org URL, once the outbound door would let a request go there."""
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


def save_api_settings(connection: OktaConnection, org_url: str, token: str | None) -> None:
    """The API token way; choosing it forgets the service app's key pair (one credential
    kept: the one in use)."""
    connection.api_org_url = checked_org_url(connection, org_url)
    token = checked_token(token)
    if token:
        connection.api_token = encrypt_secret(token)
        connection.api_token_hint = secret_hint(token)
    if not connection.api_token:
        raise ApiSettingsError("api_token", "Paste an API token (Security > API > Tokens).")
    connection.api_auth, connection.oauth_client_id = ApiAuth.TOKEN.value, ""
    service_app_keys.forget(connection)
    connection.updated_at = utcnow()
    connection.save()


def save_service_app(
    connection: OktaConnection, org_url: str, client_id: str | None, *, require_ok=False
) -> dict:
    """Test the service app, then store it: once Okta accepted the app (its client ID and
    our key), or, with ``require_ok`` (the CLI), once every check passed. A refused app
    stores nothing and raises ``ApiSettingsError``. Saving forgets the API token: it
    carries all of its owner's rights, and the app replaces it."""
    org_url, client_id = checked_org_url(connection, org_url), checked_client_id(client_id)
    if not connection.oauth_private_key:
        raise ApiSettingsError(
            "client_id", "Create the key pair first, paste its public key into Okta, then save."
        )
    check = run_service_app_checks(connection, org_url, client_id)
    if "refused" in check:
        kind = check["results"]["users"].get("kind", "auth")
        raise ApiSettingsError("client_id" if kind == "auth" else "org_url", check["refused"])
    if require_ok and not check["ok"]:
        return check
    connection.api_auth, connection.api_org_url = ApiAuth.SERVICE_APP.value, org_url
    connection.oauth_client_id, connection.api_token, connection.api_token_hint = client_id, "", ""
    connection.api_check, connection.api_checked_at = check, utcnow()
    connection.updated_at = utcnow()
    connection.save()
    return check


def save_and_check(connection: OktaConnection, auth: str, org_url: str, client_id, token):
    """The page's *Save and test connection*, the way the admin chose."""
    if auth == ApiAuth.SERVICE_APP:
        return save_service_app(connection, org_url, client_id)
    save_api_settings(connection, org_url, token)
    return check_connection(connection)


def chosen_auth(connection: OktaConnection) -> str:
    """The choice the page shows: the way in use, else the recommended one (also once a
    key pair was made for it)."""
    if connection.api_connected and not connection.oauth_public_jwk:
        return connection.api_auth
    return ApiAuth.SERVICE_APP.value


def client_for(connection: OktaConnection, scopes=SYNC_SCOPES, **kwargs) -> OktaClient:
    """A client signed in as the connection says; a service app's tokens carry
    ``scopes`` (the sync's, unless a page needs another, e.g. okta.schemas.read)."""
    if connection.api_auth == ApiAuth.SERVICE_APP:
        return service_app_client(
            connection, connection.api_org_url, connection.oauth_client_id, scopes, **kwargs
        )
    return candidate_client(
        connection, connection.api_org_url, decrypt_secret(connection.api_token), **kwargs
    )


def service_app_client(connection, org_url, client_id, scopes, *, source=None, **kwargs):
    clock = kwargs.setdefault("clock", time.monotonic)
    if source is None:
        try:
            key = service_app_keys.private_key(connection)
        except ValueError:
            key = None  # ENCRYPTION_KEYS lost it: only a new key pair helps
        if key is None:
            raise OktaApiError("auth", "The service app has no usable key pair: make one.")
        identity = Identity(connection.organization_id, org_url, client_id, connection.oauth_key_id)
        source = TokenSource(identity, key, clock=clock, timeout=kwargs.get("timeout", 10))
    session = outbound.session(connection.organization)
    auth = ServiceAppAuth(source, tuple(scopes))
    return OktaClient(org_url, session=session, auth=auth, **kwargs)


def candidate_client(connection: OktaConnection, org_url: str, token: str, **kwargs):
    """A client for settings not saved yet (the CLI tests before it saves)."""
    session = outbound.session(connection.organization)
    return OktaClient(org_url, token, session=session, **kwargs)


def check_connection(connection: OktaConnection, client: OktaClient | None = None) -> dict:
    """Test each permission separately; store and return what passed and why not."""
    if connection.api_auth == ApiAuth.SERVICE_APP:
        check = run_service_app_checks(
            connection, connection.api_org_url, connection.oauth_client_id
        )
    else:
        check = run_checks(client or client_for(connection, budget_seconds=30, timeout=10))
    connection.api_check, connection.api_checked_at = check, utcnow()
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
        connection.api_check, connection.api_checked_at = check, utcnow()
        connection.save()
    return check


def run_service_app_checks(connection: OktaConnection, org_url: str, client_id: str) -> dict:
    """Each scope with a token of its own (one token source: one DPoP key, one nonce)."""
    try:
        key = service_app_keys.private_key(connection)
    except ValueError:
        return service_app_checks.refused_check(
            "The stored private key cannot be read with ENCRYPTION_KEYS: create a new key pair."
        )
    identity = Identity(connection.organization_id, org_url, client_id, connection.oauth_key_id)
    source = TokenSource(identity, key, timeout=10)

    def client_for_scope(scope: str) -> OktaClient:
        source.renew((scope,))
        return service_app_client(
            connection, org_url, client_id, (scope,), source=source, budget_seconds=30, timeout=10
        )

    return service_app_checks.run_checks(client_for_scope, client_id, role_types, parse_apps)


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


def role_types(answer) -> list[tuple[str, str]]:
    """(type, label) of each role in Okta's list of role assignments."""
    if not isinstance(answer, list) or not all(isinstance(r, dict) for r in answer):
        raise OktaApiError("bad_response", "Okta's answer for the admin roles is not a list.")
    types = (str(role.get("type", "")) for role in answer)
    return [
        (kind, ROLE_LABELS.get(kind, kind.replace("_", " ").title()))
        for kind in types
        if ROLE_TYPE.match(kind)
    ]


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


def parse_apps(answer) -> list[dict]:
    """Active apps (id, label) from Okta's list; anything else is a failed check."""
    not_apps = OktaApiError(
        "bad_response", "Okta's answer to /api/v1/apps is not a list of apps: check the org URL."
    )
    if not isinstance(answer, list):
        raise not_apps
    apps = []
    for app in answer:
        if not isinstance(app, dict) or not isinstance(app.get("id"), str):
            raise not_apps
        if app.get("status", "ACTIVE") == "ACTIVE":
            apps.append({"id": app["id"], "label": str(app.get("label") or app["id"])})
    return apps
