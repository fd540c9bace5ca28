"""The two proofs a code exchange carries: the PKCE verifier (RFC 7636 section 4.6,
S256 only, as Okta) and the client's secret (``client_secret_basic`` or
``client_secret_post``, RFC 6749 section 2.3.1), compared in constant time."""

import base64
import hashlib
import hmac
from urllib.parse import unquote


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: str, challenge: str) -> bool:
    return bool(verifier) and hmac.compare_digest(challenge_of(verifier), challenge)


def client_authenticated(environ, form: dict, client) -> bool:
    """A public client (no secret) proves itself by PKCE alone; a confidential one sends
    its ID and secret in Basic authentication or in the form."""
    if not client.client_secret:
        return form.get("client_id", client.client_id) == client.client_id
    scheme, _, encoded = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme == "Basic":
        try:
            pair = base64.b64decode(encoded, validate=True).decode()
        except ValueError:
            return False
        client_id, _, secret = (unquote(part) for part in pair.partition(":"))
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    return hmac.compare_digest(client_id.encode(), client.client_id.encode()) and (
        hmac.compare_digest(secret.encode(), client.client_secret.encode())
    )
