"""One authlib client per sign-in configuration (live or pending).

A client is rebuilt when its settings change or when its discovery metadata is older
than the TTL. authlib refetches the JWKS by itself when an ID token names an unknown
``kid``. Clients are named by configuration, so a test sign-in against a pending
configuration never touches the client that signs people in. Every request
authlib makes (discovery, token, JWKS) goes through the outbound door, to the issuer's
own server only.
"""

import hashlib
import time

from authlib.integrations.flask_client import OAuth

from .. import outbound
from ..models import SsoConfiguration
from .configurations import secret_of
from .oidc_state import store

METADATA_TTL = 600  # seconds
SCOPES = "openid email profile"

oauth = OAuth(cache=store)  # state, nonce and PKCE verifier in the database, not the cookie
_built: dict[str, tuple[str, float]] = {}  # client name -> (settings fingerprint, built at)


def _fingerprint(configuration: SsoConfiguration) -> str:
    parts = (configuration.issuer, configuration.client_id, configuration.client_secret)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def client_for(configuration: SsoConfiguration):
    name = f"okta-sso-{configuration.id}"
    fingerprint = _fingerprint(configuration)
    known = _built.get(name)
    if known is None or known[0] != fingerprint or time.monotonic() - known[1] > METADATA_TTL:
        secret = secret_of(configuration)
        # authlib caches clients by name and ``register`` does not replace a built one;
        # dropping it is the way to rebuild with new settings or fresh metadata.
        oauth._clients.pop(name, None)
        oauth.register(
            name,
            client_cls=outbound.DoorOAuth2App,
            outbound_organization=configuration.connection.organization_id,
            outbound_origin=configuration.issuer,
            client_id=configuration.client_id,
            client_secret=secret,
            server_metadata_url=f"{configuration.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPES,
                "code_challenge_method": "S256",  # PKCE always
                "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
                "timeout": 10,
            },
        )
        _built[name] = (fingerprint, time.monotonic())
    return oauth.create_client(name)
