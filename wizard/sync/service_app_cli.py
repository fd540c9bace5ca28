"""``sync configure --oauth-client-id``: the service app from the command line. The first
time, it makes the key pair and prints the public JWK with where it goes in Okta (nothing
is connected yet: Okta cannot know the key); run again, it tests every scope and saves
only a connection whose test passes."""

import json

import click

from ..domain import audit
from ..models import OktaConnection
from . import api_connection, service_app_keys

STEPS = """\
In the Okta Admin Console: Applications > Applications > your API Services app
(Create App Integration > API Services, if there is none yet), then
  1. General > Client Credentials > Edit: Client authentication = Public key / Private key;
     Public keys > Add key: paste the public key below > Done > Save.
     Keep "Require Demonstrating Proof of Possession (DPoP)" on: the connector sends DPoP.
  2. Okta API Scopes: Grant okta.users.read, okta.groups.read, okta.apps.read, okta.roles.read.
  3. Admin roles > Edit assignments: Read-only Administrator > Save changes.
The public key (JWK):"""


def configure_service_app(connection: OktaConnection, org_url: str, client_id: str):
    """The check of the saved service app; None when the key pair was just made."""
    if connection.api.oauth_private_key:
        return api_connection.save_service_app(connection, org_url, client_id, require_ok=True)
    api_connection.checked_org_url(connection, org_url)  # a typo is told now, not next time
    api_connection.checked_client_id(client_id)
    jwk = service_app_keys.create_key_pair(connection)
    audit.record(
        "sync.service_app_key_created",
        organization=connection.organization,
        actor_label="cli",
        target=connection,
        details={"kid": jwk["kid"]},
    )
    click.echo(STEPS)
    click.echo(json.dumps(jwk, indent=2))
    click.echo("Once Okta holds this key, run this command again: it tests and saves.")
    return None
