"""Staged sign-in configurations: saving an issuer, client ID or secret stores a
*pending* configuration; the live one keeps signing people in until an EnterpriseAdmin's
passing test sign-in (or ``flask sso configure --activate``) makes the pending one live.

Without this, anyone allowed to save the SSO form could point sign-in at a provider they
run and have it vouch for the owner's address. Plain functions: the wizard, the
callback and the CLI share them.
"""

from ..db import database
from ..domain import audit
from ..models import Member, OktaConnection, SsoConfiguration, SsoState, utcnow
from ..security import decrypt_secret, encrypt_secret, secret_hint


def live(connection: OktaConnection | None) -> SsoConfiguration | None:
    return connection.live_sso if connection is not None else None


def pending(connection: OktaConnection | None) -> SsoConfiguration | None:
    return connection.pending_sso if connection is not None else None


def for_test(connection: OktaConnection) -> SsoConfiguration | None:
    """A test sign-in checks what would go live next: the pending one, else the live one."""
    return pending(connection) or live(connection)


def secret_of(configuration: SsoConfiguration) -> str | None:
    secret = configuration.client_secret
    return decrypt_secret(secret) if secret else None


def _same(configuration, issuer: str, client_id: str, client_secret: str | None) -> bool:
    return (
        configuration is not None
        and (configuration.issuer, configuration.client_id) == (issuer, client_id)
        and (not client_secret or secret_of(configuration) == client_secret)
    )


def stage(
    connection: OktaConnection,
    *,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    created_by: Member | None = None,
    created_by_label: str = "",
) -> tuple[SsoConfiguration | None, list[str]]:
    """Store the settings as the pending configuration (replacing an older pending one).
    An empty ``client_secret`` keeps the secret of the settings being edited, only while
    the issuer and client ID stay the same. Returns the pending configuration (None when
    the settings are the live ones) and what changed."""
    current = live(connection)
    edited = pending(connection) or current
    changed = [
        name
        for name, value in (("issuer", issuer), ("client_id", client_id))
        if edited is None or getattr(edited, name) != value
    ]
    # A stored secret stays with the provider that issued it: sent to another issuer's
    # token endpoint, it would hand our client secret to whoever runs that provider.
    kept = edited if edited is not None and not changed else None
    if client_secret or (edited is not None and edited.client_secret and kept is None):
        changed.append("client_secret")
    with database.atomic():
        _retire(pending(connection))
        if _same(current, issuer, client_id, client_secret):
            return None, changed  # back to the live settings: nothing waits for a test
        row = SsoConfiguration.create(
            connection=connection,
            state=SsoState.PENDING.value,
            issuer=issuer,
            client_id=client_id,
            client_secret=encrypt_secret(client_secret) if client_secret else _kept_secret(kept),
            client_secret_hint=secret_hint(client_secret)
            if client_secret
            else (kept.client_secret_hint if kept else ""),
            created_by=created_by,
            created_by_label=created_by_label or (created_by.email if created_by else ""),
        )
    return row, changed


def _kept_secret(base: SsoConfiguration | None) -> str:
    return base.client_secret if base is not None else ""


def record_test(configuration: SsoConfiguration, *, tester_label: str) -> None:
    configuration.tested_at, configuration.tested_by_label = utcnow(), tester_label[:120]
    configuration.save()


def activate(
    configuration: SsoConfiguration,
    *,
    actor: Member | None = None,
    actor_label: str | None = None,
    details: dict | None = None,
) -> SsoConfiguration:
    """Make ``configuration`` the live one; the previous live one is retired. Audited
    (``sso.configuration_activated``) with the old and the new issuer."""
    connection = configuration.connection
    with database.atomic():
        previous = live(connection)
        if previous is not None and previous.id != configuration.id:
            _retire(previous)
        configuration.state, configuration.activated_at = SsoState.LIVE.value, utcnow()
        configuration.activated_by = actor
        configuration.activated_by_label = actor_label or (actor.email if actor else "")
        configuration.save()
    audit.record(
        "sso.configuration_activated",
        organization=connection.organization,
        actor=actor,
        actor_label=actor_label,
        target=configuration,
        details={
            "from_issuer": previous.issuer if previous is not None else None,
            "to_issuer": configuration.issuer,
            **(details or {}),
        },
    )
    return configuration


def retire_all(connection: OktaConnection) -> None:
    """Disconnect: no configuration signs anyone in or waits for a test any more."""
    SsoConfiguration.update(state=SsoState.RETIRED.value, retired_at=utcnow()).where(
        (SsoConfiguration.connection == connection)
        & (SsoConfiguration.state != SsoState.RETIRED.value)
    ).execute()


def _retire(configuration: SsoConfiguration | None) -> None:
    if configuration is not None:
        configuration.state, configuration.retired_at = SsoState.RETIRED.value, utcnow()
        configuration.save()
