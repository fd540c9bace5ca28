"""``flask --app app sync ...``: the Okta API connection and the sync (configure, run,
pause, resume), and ``scheduler``, the process that runs the sync and housekeeping."""

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from ..domain import audit, connections
from ..models import utcnow
from .context import organization_by_slug, warn_if_typed_in_argv, with_database


@click.group("sync", help="The Okta API connection and the scheduled sync.")
def sync_cli():
    pass


@sync_cli.command(
    "configure",
    help="Set the Okta API connection: an API Services app (--oauth-client-id, recommended) "
    "or an API token; refuses one whose test fails.",
)
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--org-url", required=True, help="e.g. https://acme.okta.com")
@click.option(
    "--oauth-client-id",
    default="",
    help="The Client ID of an Okta API Services app (recommended). The first time, prints "
    "the public key to paste into Okta; then tests and saves.",
)
@click.option(
    "--api-token",
    envvar="OKTA_CONNECTOR_API_TOKEN",
    callback=warn_if_typed_in_argv,
    help="From Okta: Security > API > Tokens (without --oauth-client-id). Asked for "
    "(hidden) when omitted, or read from OKTA_CONNECTOR_API_TOKEN.",
)
@click.option("--app-id", default="", help="The Okta app whose assignments are synced.")
@with_database
def sync_configure_command(slug, org_url, oauth_client_id, api_token, app_id):
    from ..sync import api_connection
    from ..sync.service_app_cli import configure_service_app

    organization = organization_by_slug(slug)
    connection = connections.ensure_connection(organization)
    try:
        if oauth_client_id:
            check = configure_service_app(connection, org_url, oauth_client_id)
            if check is None:
                return  # the key pair was made and printed: Okta needs it first
        else:
            api_token = api_token or click.prompt("API token", hide_input=True)
            check = api_connection.configure_if_working(connection, org_url, api_token)
    except api_connection.ApiSettingsError as exc:
        raise click.ClickException(exc.message) from None
    if not check["ok"]:
        failed = [f"{r['label']}: {r['message']}" for r in check["results"].values() if not r["ok"]]
        raise click.ClickException("the connection test failed: " + "; ".join(failed))
    connection.sync_settings.app_id = app_id
    connection.save()
    audit.record(
        "sync.configured",
        organization=organization,
        actor_label="cli",
        target=connection,
        details={"org_url": connection.api.org_url, "auth": connection.api.auth},
    )
    click.echo(f"Okta API connected for {slug}; roles: {', '.join(check['roles']) or 'none'}")


@sync_cli.command("run", help="Run one sync now, in the foreground; prints counts as JSON.")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--dry-run", is_flag=True, help="Plan only: show what would change.")
@with_database
def sync_run_command(slug, dry_run):
    from ..sync import jobs, runs

    organization = organization_by_slug(slug)
    connection = connections.connection_for(organization)
    if connection is None or not connection.api.connected:
        raise click.ClickException(f"The Okta API is not configured for {slug}.")
    runs.queue(organization, "cli", dry_run=dry_run)
    owner = jobs.owner_name()
    run = runs.claim(owner, utcnow(), organization)
    if run is None:
        raise click.ClickException("Another sync of this organization is running; try later.")
    run = jobs.execute(run)
    click.echo(
        json.dumps(
            {
                "status": run.status,
                "dry_run": run.dry_run,
                **run.counts,
                "api_calls": run.api_calls,
                "error": run.error or None,
            }
        )
    )
    if run.status != "succeeded":
        raise SystemExit(1)


@sync_cli.command("pause", help="Pause the daily sync.")
@click.option("--org", "slug", required=True)
@with_database
def sync_pause_command(slug):
    _set_paused(slug, True)


@sync_cli.command("resume", help="Resume the daily sync.")
@click.option("--org", "slug", required=True)
@with_database
def sync_resume_command(slug):
    _set_paused(slug, False)


def _set_paused(slug: str, paused: bool) -> None:
    organization = organization_by_slug(slug)
    connection = connections.ensure_connection(organization)
    connection.sync_settings.paused_at = utcnow() if paused else None
    connection.save()
    audit.record(
        "sync.pause" if paused else "sync.resume",  # the same names as the page's
        organization=organization,
        actor_label="cli",
        target=connection,
    )
    click.echo(f"daily sync {'paused' if paused else 'resumed'} for {slug}")


@click.command("scheduler", help="Run the sync scheduler (one process; ticks every minute).")
@with_appcontext
def scheduler_command():
    from ..sync import jobs

    click.echo("scheduler running: one tick a minute (Ctrl+C to stop)")
    jobs.run_blocking(current_app._get_current_object())
