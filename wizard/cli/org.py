"""``flask --app app org ...``: organizations."""

import click

from ..domain import organizations
from .context import with_database


@click.group("org", help="Manage organizations.")
def org_cli():
    pass


@org_cli.command("create", help="Create an organization.")
@click.argument("name")
@click.option("--slug", required=True, help="Short id used in URLs: a-z, 0-9 and '-'.")
@click.option(
    "--seats", type=click.IntRange(min=0), default=None, help="Seat limit (none: unlimited)."
)
@click.option("--enterprise/--no-enterprise", default=False, help="Unlock Okta SSO, SCIM and sync.")
@click.option(
    "--timezone", default="UTC", show_default=True, help="IANA time zone, e.g. Europe/Paris."
)
@with_database
def create_org_command(name, slug, seats, enterprise, timezone):
    organization = organizations.create_organization(
        name, slug, seat_limit=seats, enterprise_enabled=enterprise, timezone=timezone
    )
    click.echo(f"created organization {organization.slug} ({organization.name})")
