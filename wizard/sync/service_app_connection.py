"""The Okta API through an API Services app: saving it (only once Okta accepted the app),
the clients that sign in as it, and its per-scope Test connection.

The key pair is made first (service_app_keys) and its public half pasted into Okta;
then the client ID is tested with real token requests. Saving forgets the API token: it
carries all of its owner's rights, and the app replaces it.
"""

import time

from .. import outbound
from ..models import ApiAuth, OktaConnection, utcnow
from . import service_app_checks, service_app_keys
from .api_settings import ApiSettingsError, checked_client_id, checked_org_url
from .oauth_tokens import Identity, TokenSource
from .okta_api import OktaApiError, OktaClient
from .okta_auth import ServiceAppAuth

CHECK_LIMITS = {"budget_seconds": 30, "timeout": 10}


def save_service_app(
    connection: OktaConnection, org_url: str, client_id: str | None, *, require_ok=False
) -> dict:
    """Test, then store: once Okta accepted the app (its client ID and our key), or, with
    ``require_ok`` (the CLI), once every check passed. A refused app stores nothing and
    raises ``ApiSettingsError``."""
    org_url, client_id = checked_org_url(connection, org_url), checked_client_id(client_id)
    if not connection.api.oauth_private_key:
        raise ApiSettingsError(
            "client_id", "Create the key pair first, paste its public key into Okta, then save."
        )
    check = run_checks(connection, org_url, client_id)
    if "refused" in check:
        field = "client_id" if check["refused_kind"] == "auth" else "org_url"
        raise ApiSettingsError(field, check["refused"])
    if require_ok and not check["ok"]:
        return check
    connection.api.auth, connection.api.org_url = ApiAuth.SERVICE_APP.value, org_url
    connection.api.oauth_client_id, connection.api.token, connection.api.token_hint = (
        client_id,
        "",
        "",
    )
    connection.api.last_check, connection.api.checked_at = check, utcnow()
    connection.updated_at = utcnow()
    connection.save()
    return check


def client(connection, org_url, client_id, scopes, *, source=None, **kwargs) -> OktaClient:
    """A client whose calls carry tokens for ``scopes``; ``source`` shares one token
    source (one DPoP key, one nonce) between clients."""
    clock = kwargs.setdefault("clock", time.monotonic)
    if source is None:
        source = token_source(connection, org_url, client_id, clock=clock)
    auth = ServiceAppAuth(source, tuple(scopes))
    return OktaClient(
        org_url, session=outbound.session(connection.organization), auth=auth, **kwargs
    )


def token_source(connection, org_url, client_id, clock=time.monotonic) -> TokenSource:
    try:
        key = service_app_keys.private_key(connection)
    except ValueError:
        key = None  # ENCRYPTION_KEYS lost it: only a new key pair helps
    if key is None:
        raise OktaApiError("auth", "The service app has no usable key pair: make a new one.")
    identity = Identity(connection.organization_id, org_url, client_id, connection.api.oauth_key_id)
    return TokenSource(identity, key, clock=clock, timeout=CHECK_LIMITS["timeout"])


def run_checks(connection: OktaConnection, org_url: str, client_id: str) -> dict:
    """Each scope with a fresh token of its own: today's grants, not a cached token's."""
    try:
        source = token_source(connection, org_url, client_id)
    except OktaApiError as error:
        return service_app_checks.refused_check(error.message, error.kind)

    def client_for_scope(scope: str) -> OktaClient:
        source.renew((scope,))
        return client(connection, org_url, client_id, (scope,), source=source, **CHECK_LIMITS)

    return service_app_checks.run_checks(client_for_scope, client_id)


def chosen_auth(connection: OktaConnection) -> str:
    """The choice the page shows: the way in use, else the recommended one (also once a
    key pair was made for it)."""
    if connection.api.connected and not connection.api.oauth_public_jwk:
        return connection.api.auth
    return ApiAuth.SERVICE_APP.value
