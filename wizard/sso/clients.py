"""One authlib client per organization, built from its stored connection.

A client is rebuilt when the settings change (so a wizard edit takes effect on the next
sign-in, no restart) or when its discovery metadata is older than the TTL. authlib
refetches the JWKS by itself when an ID token names an unknown ``kid``. Every request
authlib makes (discovery, token, JWKS) goes through the outbound door, to the issuer's
own server only.
"""

import hashlib
import time

from authlib.integrations.flask_client import OAuth

from .. import outbound
from ..models import OktaConnection
from ..sso_settings import client_secret_of

METADATA_TTL = 600  # seconds
SCOPES = "openid email profile"

oauth = OAuth()
_built: dict[str, tuple[str, float]] = {}  # client name -> (settings fingerprint, built at)


def _fingerprint(connection: OktaConnection) -> str:
    parts = (connection.issuer, connection.client_id, connection.client_secret)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def client_for(connection: OktaConnection):
    name = f"okta-{connection.id}"
    fingerprint = _fingerprint(connection)
    known = _built.get(name)
    if known is None or known[0] != fingerprint or time.monotonic() - known[1] > METADATA_TTL:
        secret = client_secret_of(connection)
        # authlib caches clients by name and ``register`` does not replace a built one;
        # dropping it is the way to rebuild with new settings or fresh metadata.
        oauth._clients.pop(name, None)
        oauth.register(
            name,
            client_cls=outbound.DoorOAuth2App,
            outbound_organization=connection.organization_id,
            outbound_origin=connection.issuer,
            client_id=connection.client_id,
            client_secret=secret,
            server_metadata_url=f"{connection.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPES,
                "code_challenge_method": "S256",  # PKCE always
                "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
                "timeout": 10,
            },
        )
        _built[name] = (fingerprint, time.monotonic())
    return oauth.create_client(name)
