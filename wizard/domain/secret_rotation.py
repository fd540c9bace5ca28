"""Key rotation for secrets at rest (OIDC client secrets, Okta API tokens, the Okta
service app's private key).

``ENCRYPTION_KEYS`` lists Fernet keys newest first: the first encrypts, any decrypts.
Rotating is: put a new key first everywhere, re-encrypt every stored secret under it
(``rotate_secrets``), confirm nothing still needs an old key (``secrets_needing_old_keys``),
then drop the old key. Each row is rewritten in its own short transaction, so a rotation
can run while the app serves and can be run again after an interruption.
"""

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from ..db import write_transaction
from ..models import (
    OktaApiConnection,
    SsoConfiguration,
)
from ..security import reencrypt_secret

# Every encrypted column, by model; a new encrypted field must be listed here.
ENCRYPTED_FIELDS = {
    OktaApiConnection: ("token", "oauth_private_key"),
    SsoConfiguration: ("client_secret",),
}


@dataclass
class RotationReport:
    rewritten: int = 0
    unreadable: list[str] | None = None


def _encrypted_values():
    for model, fields in ENCRYPTED_FIELDS.items():
        for row in model.select(model.id, *(getattr(model, name) for name in fields)):
            for name in fields:
                value = getattr(row, name)
                if value:
                    yield model, row.id, name, value


def rotate_secrets() -> RotationReport:
    """Re-encrypt every stored secret under the newest key. A value no configured key
    can read is left as it is and named in the report (never logged in clear)."""
    report = RotationReport(unreadable=[])
    for model, row_id, name, value in list(_encrypted_values()):
        try:
            rotated = reencrypt_secret(value)
        except InvalidToken:
            report.unreadable.append(f"{model.__name__}#{row_id}.{name}")
            continue
        with write_transaction():
            # Only if nobody changed it meanwhile (an admin saving a new secret wins).
            updated = (
                model.update({getattr(model, name): rotated})
                .where((model.id == row_id) & (getattr(model, name) == value))
                .execute()
            )
        report.rewritten += updated
    return report


def secrets_needing_old_keys() -> list[str]:
    """Stored secrets the newest key alone cannot read: while this is not empty, an old
    key must stay in ``ENCRYPTION_KEYS``."""
    newest = Fernet(current_app.config["ENCRYPTION_KEYS"][0])
    needing = []
    for model, row_id, name, value in _encrypted_values():
        try:
            newest.decrypt(value.encode())
        except InvalidToken:
            needing.append(f"{model.__name__}#{row_id}.{name}")
    return needing
