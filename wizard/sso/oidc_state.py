"""authlib's sign-in state kept in the database instead of the cookie.

Without a cache, authlib's Flask client puts the PKCE ``code_verifier``, the nonce and
the redirect URI of each sign-in under way into the session cookie, which is signed
but readable by anyone holding it. Given ``OAuth(cache=store)`` it keeps them through
``get``/``set``/``delete`` (authlib's FrameworkIntegration) and leaves only a marker in
the cookie, so a sign-in still finishes only in the browser that started it.
"""

from datetime import datetime, timedelta

from ..models import SignInState, utcnow
from ..security import decrypt_secret, encrypt_secret, token_digest

# A round trip through Okta takes seconds; authlib asks for an hour, we keep it shorter.
LIFETIME = timedelta(minutes=10)


class SignInStateStore:
    """The cache object authlib calls; values are JSON text, encrypted at rest."""

    def get(self, key: str) -> str | None:
        row = SignInState.get_or_none(
            (SignInState.digest == token_digest(key)) & (SignInState.expires_at > utcnow())
        )
        if row is None:
            return None
        try:
            return decrypt_secret(row.value)
        except ValueError:  # written under a key since removed: the sign-in starts again
            return None

    def set(self, key: str, value: str, expires_in: float | None = None) -> None:
        lifetime = min(timedelta(seconds=expires_in), LIFETIME) if expires_in else LIFETIME
        fields = {
            SignInState.value: encrypt_secret(value),
            SignInState.expires_at: utcnow() + lifetime,
        }
        SignInState.insert({SignInState.digest: token_digest(key), **fields}).on_conflict(
            conflict_target=[SignInState.digest], update=fields
        ).execute()

    def delete(self, key: str) -> None:
        SignInState.delete().where(SignInState.digest == token_digest(key)).execute()


def remove_expired(now: datetime) -> int:
    """Scheduler housekeeping: sign-ins started and never finished."""
    return SignInState.delete().where(SignInState.expires_at <= now).execute()


store = SignInStateStore()
