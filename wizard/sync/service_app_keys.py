"""The key pair an Okta API Services app authenticates with (``private_key_jwt``, the
only client authentication Okta allows for Okta scopes).

We generate it: RSA 2048 with RS256, what Okta's own "Generate new key" makes and every
Okta org accepts. The private key never leaves this server: it is stored encrypted
(``security.encrypt_secret``, rotated with the other secrets) and decrypted only to sign
client assertions. The public JWK, with its RFC 7638 thumbprint as ``kid``, is what the
admin pastes into Okta (the app > General > Public keys) and may be shown to anyone who
can see the page. A new pair replaces the old one at once: the connection fails until
Okta holds the new public key, which is what a leaked key needs.
"""

import json

from joserfc.jwk import RSAKey

from ..models import OktaConnection, utcnow
from ..security import decrypt_secret, encrypt_secret

ALGORITHM = "RS256"
KEY_BITS = 2048
PUBLIC_MEMBERS = ("kty", "n", "e", "kid", "alg", "use")


def create_key_pair(connection: OktaConnection) -> dict:
    """A new key pair for ``connection``, stored; returns the public JWK to paste."""
    parameters = {"alg": ALGORITHM, "use": "sig"}
    key = RSAKey.generate_key(KEY_BITS, parameters=parameters, auto_kid=True)  # thumbprint
    public = {name: key.as_dict(private=False)[name] for name in PUBLIC_MEMBERS}
    connection.api.oauth_private_key = encrypt_secret(json.dumps(key.as_dict(private=True)))
    connection.api.oauth_public_jwk = json.dumps(public, sort_keys=True)
    connection.api.oauth_key_id = key.kid
    connection.api.oauth_key_created_at = utcnow()
    connection.save()
    return public


def public_jwk(connection: OktaConnection) -> dict | None:
    return json.loads(connection.api.oauth_public_jwk) if connection.api.oauth_public_jwk else None


def private_key(connection: OktaConnection) -> RSAKey | None:
    """The signing key (None without one); raises ValueError when ENCRYPTION_KEYS lost it."""
    if not connection.api.oauth_private_key:
        return None
    return RSAKey.import_key(json.loads(decrypt_secret(connection.api.oauth_private_key)))


def forget(connection: OktaConnection) -> None:
    """Drop the key pair (the connection switched to an API token, or was disconnected)."""
    connection.api.oauth_private_key = connection.api.oauth_public_jwk = (
        connection.api.oauth_key_id
    ) = ""
    connection.api.oauth_key_created_at = None
