"""``flask --app app scim ...``: SCIM bearer tokens and the request records."""

import json
from datetime import timedelta

import click

from ..domain import audit, connections
from ..models import ScimEvent, utcnow
from ..scim import request_log
from .context import organization_by_slug, with_database


@click.group("scim", help="SCIM connection tokens and request records.")
def scim_cli():
    pass


@scim_cli.command(
    "issue-token", help="Issue a SCIM bearer token; prints endpoint and token as JSON."
)
@click.option("--org", "slug", required=True, help="The organization's slug.")
@with_database
def issue_token_command(slug):
    organization = organization_by_slug(slug)
    connection = connections.ensure_connection(organization)
    token, plaintext = connections.issue_scim_token(connection)
    audit.record(
        "scim.token_issued",
        organization=organization,
        actor_label="cli",
        target=token,
        details={"prefix": token.prefix},
    )
    click.echo(json.dumps({"endpoint": connections.scim_endpoint(connection), "token": plaintext}))


@scim_cli.command("revoke-tokens", help="Revoke every SCIM token of the organization at once.")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@with_database
def revoke_tokens_command(slug):
    organization = organization_by_slug(slug)
    connection = connections.connection_for(organization)
    count = connections.revoke_tokens(connection) if connection else 0
    audit.record(
        "scim.tokens_revoked",
        organization=organization,
        actor_label="cli",
        details={"count": count},
    )
    click.echo(f"revoked {count} token(s) of {organization.slug}")


@scim_cli.command("prune", help="Delete SCIM request records older than the retention.")
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True)
@with_database
def prune_command(days):
    cutoff = utcnow() - timedelta(days=days)
    request_log.flush()  # this process's queued rows are judged by the same cutoff
    count = ScimEvent.delete().where(ScimEvent.created_at < cutoff).execute()
    click.echo(f"deleted {count} SCIM request record(s) older than {days} days")
