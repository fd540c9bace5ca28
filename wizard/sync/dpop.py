"""DPoP proofs (RFC 9449), which Okta requires by default for new API Services apps: a
short JWT per request, signed by a key the access token is bound to, so a token that
leaks (a log, a proxy) is useless without that key.

The DPoP key is not the client's key (Okta: "the JWK that's used for DPoP is separate
from the JWK used for client authentication"): an EC P-256 key made in memory with the
token cache entry and never stored, so a stolen database holds no usable token and no
key for one. Servers may demand a nonce they choose (``use_dpop_nonce``); we keep the
last one each server sent (section 8 for the token endpoint, section 9 for the API).
"""

import base64
import hashlib
import re
import secrets
import time
from urllib.parse import urlsplit, urlunsplit

from joserfc import jwt
from joserfc.jwk import ECKey

ALGORITHM = "ES256"
NONCE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,200}$")  # RFC 9449 NQCHAR, bounded
CHALLENGE_PARAM = re.compile(r'([A-Za-z_]+)="([^"]{0,500})"')
ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")  # RFC 6749 error codes: shown, never prose


class DpopKey:
    """One proof-of-possession key: the tokens bound to it die with it (in memory)."""

    def __init__(self):
        self.key = ECKey.generate_key("P-256")
        self.header = {"typ": "dpop+jwt", "alg": ALGORITHM, "jwk": self.key.as_dict(private=False)}

    def proof(self, method: str, url: str, *, nonce=None, access_token=None) -> str:
        """Section 4.2: ``htm``, ``htu`` (no query or fragment), ``iat``, a unique ``jti``;
        ``ath`` with the access token on resource requests, ``nonce`` when asked."""
        claims = {
            "htm": method,
            "htu": target_uri(url),
            "iat": int(time.time()),
            "jti": secrets.token_urlsafe(24),
        }
        if nonce:
            claims["nonce"] = nonce
        if access_token:
            claims["ath"] = token_hash(access_token)
        return jwt.encode(self.header, claims, self.key, algorithms=[ALGORITHM])


def target_uri(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def token_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def nonce_of(response) -> str | None:
    """The server's ``DPoP-Nonce``, when it is one (it goes into our next proof)."""
    value = response.headers.get("DPoP-Nonce", "")
    return value if NONCE.match(value) else None


def challenge(response) -> dict[str, str]:
    """The parameters of ``WWW-Authenticate`` (``error``, ``scope``...), unquoted."""
    text = response.headers.get("WWW-Authenticate", "")[:4000]
    return {name.lower(): value for name, value in CHALLENGE_PARAM.findall(text)}


def error_code(value) -> str:
    """An OAuth ``error`` we may name in a message: Okta's vocabulary, else nothing."""
    return value if isinstance(value, str) and ERROR_CODE.match(value) else ""
