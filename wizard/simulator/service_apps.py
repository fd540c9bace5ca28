"""What Okta's org authorization server knows of an API Services app and the tokens it
issued: the scopes it grants, the admin roles, Okta's scope per API path, and the JOSE
helpers the token endpoint and the resource server share (oauth_server.py)."""

import base64
import hashlib
import time
from dataclasses import dataclass, field

from joserfc.jwk import ECKey, RSAKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
OKTA_SCOPES = {
    "okta.users.read",
    "okta.groups.read",
    "okta.apps.read",
    "okta.roles.read",
    "okta.schemas.read",
    "okta.users.manage",
    "okta.users.manage.self",
}
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
PROOF_WINDOW = 60  # seconds either side of now for a DPoP proof's iat
SERVICE_CLIENT_ID = "0oa1serviceapp2sync3"
GRANTED = ("okta.users.read", "okta.groups.read", "okta.apps.read", "okta.roles.read")


def scope_for(path: str) -> str | None:
    """The Okta scope an API path needs (Okta's "Scopes and supported endpoints")."""
    for prefix, scope in (
        ("/api/v1/users", "okta.users.read"),
        ("/api/v1/groups", "okta.groups.read"),
        ("/api/v1/apps", "okta.apps.read"),
        ("/api/v1/meta/schemas", "okta.schemas.read"),
        ("/oauth2/v1/clients/", "okta.roles.read"),
    ):
        if path.startswith(prefix):
            return scope
    return None


def access_token_hash(token: str) -> str:
    digest = hashlib.sha256(token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class ServiceApp:
    client_id: str
    public_keys: list[dict]
    scopes: set[str] = field(default_factory=lambda: set(GRANTED))
    roles: list[dict] = field(
        default_factory=lambda: [
            {"id": "irb1", "type": "READ_ONLY_ADMIN", "label": "Read-only Administrator"}
        ]
    )
    require_dpop: bool = True
    label: str = "okta-connector sync"


@dataclass
class Issued:
    client_id: str
    scopes: set[str]
    jkt: str | None  # the DPoP key's thumbprint: the token is bound to it
    expires_at: float


class Refusal(Exception):
    """An OAuth error answer: status, error code, our description, extra headers."""

    def __init__(self, status: int, error: str, description: str, headers=None):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description
        self.headers = headers or {}


def recent(iat) -> bool:
    return isinstance(iat, int) and abs(time.time() - iat) <= PROOF_WINDOW


def import_key(jwk: dict):
    if jwk.get("kty") == "RSA":
        return RSAKey.import_key(jwk)
    if jwk.get("kty") == "EC":
        return ECKey.import_key(jwk)
    raise ValueError("an asymmetric key is required")


def payload(compact: str) -> bytes:
    part = compact.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
