"""Secrets: password hashing, token digests, encryption at rest, constant-time checks.

Bearer tokens are high-entropy random strings, so a single SHA-256 digest is enough to
store them (no salt or slow hash needed: nothing to brute-force). Passwords are people's
choices and get werkzeug's scrypt. Secrets we must read back (OIDC client secrets, Okta
API tokens) are encrypted with MultiFernet: the first key encrypts, any key decrypts, so
keys rotate without a data migration.
"""

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

# werkzeug's scrypt (n=2**15, r=8, p=1). The test suite lowers the cost factor for speed
# (tests/conftest.py); the code path is the same.
PASSWORD_METHOD = "scrypt"  # noqa: S105 (a hashing method, not a password)
_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """Checked against when no account matches, so a missing account costs the same
    time as a wrong password; made once per hashing method."""
    if PASSWORD_METHOD not in _dummy_hashes:
        _dummy_hashes[PASSWORD_METHOD] = generate_password_hash(
            secrets.token_urlsafe(16), method=PASSWORD_METHOD
        )
    return _dummy_hashes[PASSWORD_METHOD]


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def check_password(password_hash: str | None, password: str) -> bool:
    """Constant-time check; a missing hash still spends the hashing time."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


def new_token(prefix: str, nbytes: int = 32) -> str:
    """A random token with a recognizable prefix (e.g. ``okc_scim_``) for secret scanners."""
    return prefix + secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in current_app.config["ENCRYPTION_KEYS"]])


def encrypt_secret(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    """Raises ValueError when no configured key can read the value."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "the secret cannot be decrypted with the configured ENCRYPTION_KEYS"
        ) from None


def reencrypt_secret(ciphertext: str) -> str:
    """The same secret under the newest key (for key rotation)."""
    return _fernet().rotate(ciphertext.encode()).decode()


def secret_hint(secret: str) -> str:
    """What we show instead of a stored secret: its last four characters."""
    return f"…{secret[-4:]}" if len(secret) >= 8 else "…"
