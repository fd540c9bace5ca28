"""Safe disconnect (seed 000): convert Okta-managed members to local management first
(they keep everything and get a one-time link to set a password, delivered as
``password_links`` decides), or disconnect and deactivate them; tokens revoked, sign-in
with Okta off, history kept. Members change through the directory rules, as for every
other writer.

Email domain claims stay: a verified domain is a proof of ownership, not an Okta
setting, and with sign-in off it routes nobody anywhere; reconnecting needs no new
DNS record, and no other organization can take the domain meanwhile."""

from .. import directory
from ..db import write_transaction
from ..models import (
    Member,
    OktaApiConnection,
    OktaConnection,
    Organization,
    SignInPolicy,
    fold,
)
from ..sso import configurations as sso_configurations
from . import audit, connections, password_links, setup_links
from .sources import OKTA_SOURCES


class DisconnectError(ValueError):
    pass


def okta_managed(organization: Organization):
    return Member.select().where(
        (Member.organization == organization) & Member.managed_by.in_(OKTA_SOURCES) & Member.active
    )


def convert_to_local(members, *, actor) -> list[password_links.IssuedLink]:
    """Each member becomes locally managed with everything kept, and is given a one-time
    password link (emailed, shown or withheld: see ``password_links``)."""
    issued = []
    for chosen in members:
        with write_transaction(chosen.organization_id):
            # Read again under the write lock: Okta may have changed it since the page
            # listed it, and a stale version would reuse one Okta has already seen.
            member = Member.get_or_none(Member.id == chosen.id)
            if member is None or not directory.convert_to_local(member, actor=actor):
                continue
            reason = password_links.Reason.CONVERSION
            issued.append(password_links.issue(member, actor=actor, reason=reason))
    return issued


def disconnect(organization: Organization, *, confirm_name: str, actor) -> int:
    """Disconnect Okta; returns how many Okta-managed members were deactivated."""
    if fold(confirm_name) != fold(organization.name):
        raise DisconnectError(f"Type the organization's name, {organization.name}, to confirm.")
    connection = connections.connection_for(organization)
    if connection is None:
        raise DisconnectError("Okta is not connected.")
    deactivated = 0
    with write_transaction(organization):
        for member in list(okta_managed(organization)):
            directory.set_active_here(member, False, actor=actor, why="okta_disconnected")
            deactivated += 1
        connections.revoke_tokens(connection)
        # A lent link would let its holder stage SSO settings into the disconnected
        # organization, or open the wizard to reconnect it: every one ends here.
        setup_links.revoke_all(organization)
        OktaConnection.update(status="disconnected", activated_at=None).where(
            OktaConnection.id == connection.id
        ).execute()
        SignInPolicy.update(sso_enforced=False).where(
            SignInPolicy.connection == connection.id
        ).execute()
        OktaApiConnection.update(
            token="",
            token_hint="",
            oauth_private_key="",  # the service app's key pair: no credential outlives it
            oauth_public_jwk="",
            oauth_key_id="",
            oauth_key_created_at=None,
        ).where(OktaApiConnection.connection == connection.id).execute()
        sso_configurations.retire_all(connection)
        audit.record(
            "okta.disconnected",
            organization=organization,
            actor=actor,
            target=connection,
            details={"deactivated": deactivated},
        )
    return deactivated
