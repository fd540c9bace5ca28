"""``flask --app app ...`` commands. Each opens the database itself; rule violations
print one line (click's ``Error: ...``) and exit 1, never a traceback."""

import functools
import json
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import accounts, audit, connections, organizations, sso_settings
from .db import database
from .models import Organization, ScimEvent, utcnow
from .roles import OrgRole


def init_app(app: Flask) -> None:
    for command in (
        org_cli,
        member_cli,
        demo_command,
        scim_cli,
        sso_cli,
        sync_cli,
        scheduler_command,
        secrets_cli,
    ):
        app.cli.add_command(command)


def with_database(command):
    """Run the command inside a connection; turn our rule errors into one-line messages."""

    @functools.wraps(command)
    @with_appcontext
    def wrapper(*args, **kwargs):
        with database.connection_context():
            try:
                return command(*args, **kwargs)
            except (accounts.AccountError, organizations.OrganizationError) as exc:
                raise click.ClickException(str(exc)) from None
            except sso_settings.SsoSettingsError as exc:
                details = "; ".join(f"{field}: {message}" for field, message in exc.errors.items())
                raise click.ClickException(details) from None

    return wrapper


def organization_by_slug(slug: str) -> Organization:
    organization = Organization.get_or_none(Organization.slug == slug)
    if organization is None:
        raise click.ClickException(f"No organization with the slug {slug!r}.")
    return organization


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


@click.group("member", help="Manage local accounts.")
def member_cli():
    pass


@member_cli.command(
    "create-admin", help="Create a local admin (EnterpriseAdmin) in an organization."
)
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--email", required=True)
@click.option(
    "--password", required=True, help=f"At least {accounts.MIN_PASSWORD_LENGTH} characters."
)
@with_database
def create_admin_command(slug, email, password):
    organization = organization_by_slug(slug)
    member = accounts.create_local_admin(organization, email, password, OrgRole.ENTERPRISE_ADMIN)
    click.echo(f"created admin {member.email} in {organization.slug}")


@member_cli.command("create-staff", help="Create a staff account (our support people).")
@click.option("--email", required=True)
@click.option(
    "--password", required=True, help=f"At least {accounts.MIN_PASSWORD_LENGTH} characters."
)
@with_database
def create_staff_command(email, password):
    member = accounts.create_staff(email, password)
    click.echo(f"created staff account {member.email}")


@click.command("demo", help="Create the demo organization and admin; print a fresh password.")
@with_database
def demo_command():
    organization, admin, password = accounts.ensure_demo()
    base_url = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"Demo organization: {organization.name} ({organization.slug})")
    click.echo(f"Sign in at {base_url}/login")
    click.echo(f"  email:    {admin.email}")
    click.echo(f"  password: {password}")


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
    count = ScimEvent.delete().where(ScimEvent.created_at < cutoff).execute()
    click.echo(f"deleted {count} SCIM request record(s) older than {days} days")


@click.group("sso", help="Single sign-on with Okta (OpenID Connect).")
def sso_cli():
    pass


@sso_cli.command("configure", help="Set the organization's Okta sign-in (checked like the wizard).")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--issuer", required=True, help="Okta domain or issuer URL.")
@click.option("--client-id", required=True)
@click.option("--client-secret", default=None, help="Omit for a PKCE-only app.")
@click.option("--email-domain", required=True, help="Primary email domain, e.g. acme.com.")
@click.option("--enforce/--no-enforce", default=False, help="Require Okta sign-in for everyone.")
@with_database
def sso_configure_command(slug, issuer, client_id, client_secret, email_domain, enforce):
    organization = organization_by_slug(slug)
    connection = connections.ensure_connection(organization)
    changes = sso_settings.save_sso_settings(
        connection,
        okta_domain=issuer,
        client_id=client_id,
        client_secret=client_secret,
        email_domain=email_domain,
    )
    if enforce:
        connection.sso_enforced = True
        connection.save()
    audit.record(
        "sso.settings_saved",
        organization=organization,
        actor_label="cli",
        target=connection,
        details={**changes, "enforced": connection.sso_enforced},
    )
    click.echo(f"single sign-on configured for {organization.slug} ({connection.issuer})")


@sso_cli.command("show", help="Show the organization's sign-in settings (never the secret).")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@with_database
def sso_show_command(slug):
    organization = organization_by_slug(slug)
    connection = connections.connection_for(organization)
    if connection is None or not connection.sso_configured_at:
        raise click.ClickException(f"Single sign-on is not configured for {slug}.")
    uris = sso_settings.redirect_uris(organization)
    shown = {
        "issuer": connection.issuer,
        "client_id": connection.client_id,
        "client_secret": f"set, ending in {connection.client_secret_hint}"
        if connection.client_secret
        else "none (PKCE-only)",
        "email_domain": connection.email_domain,
        "enforced": connection.sso_enforced,
        "tested_at": connection.sso_tested_at.isoformat() if connection.sso_tested_at else None,
        "login_redirect_uri": uris["login"],
        "logout_redirect_uri": uris["logout"],
    }
    for name, value in shown.items():
        click.echo(f"{name}: {value}")


@click.group("sync", help="The Okta API connection and the scheduled sync.")
def sync_cli():
    pass


@sync_cli.command("configure", help="Set the Okta API connection; refuses one whose test fails.")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--org-url", required=True, help="e.g. https://acme.okta.com")
@click.option("--api-token", required=True, help="From Okta: Security > API > Tokens.")
@click.option("--app-id", default="", help="The Okta app whose assignments are synced.")
@with_database
def sync_configure_command(slug, org_url, api_token, app_id):
    from .sync import api_connection

    organization = organization_by_slug(slug)
    connection = connections.ensure_connection(organization)
    try:
        check = api_connection.configure_if_working(connection, org_url, api_token)
    except api_connection.ApiSettingsError as exc:
        raise click.ClickException(exc.message) from None
    if not check["ok"]:
        failed = [f"{r['label']}: {r['message']}" for r in check["results"].values() if not r["ok"]]
        raise click.ClickException("the connection test failed: " + "; ".join(failed))
    connection.sync_app_id = app_id
    connection.save()
    audit.record(
        "sync.configured",
        organization=organization,
        actor_label="cli",
        target=connection,
        details={"org_url": connection.api_org_url},
    )
    click.echo(f"Okta API connected for {slug}; roles: {', '.join(check['roles']) or 'none'}")


@sync_cli.command("run", help="Run one sync now, in the foreground; prints counts as JSON.")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--dry-run", is_flag=True, help="Plan only: show what would change.")
@with_database
def sync_run_command(slug, dry_run):
    from .sync import jobs, runs

    organization = organization_by_slug(slug)
    connection = connections.connection_for(organization)
    if connection is None or not connection.api_token:
        raise click.ClickException(f"The Okta API is not configured for {slug}.")
    runs.queue(organization, "cli", dry_run=dry_run)
    owner = jobs.owner_name()
    run = runs.claim(owner, utcnow())
    if run is None or run.organization_id != organization.id:
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
    connection.sync_paused_at = utcnow() if paused else None
    connection.save()
    audit.record(
        "sync.paused" if paused else "sync.resumed",
        organization=organization,
        actor_label="cli",
        target=connection,
    )
    click.echo(f"daily sync {'paused' if paused else 'resumed'} for {slug}")


@click.command("scheduler", help="Run the sync scheduler (one process; ticks every minute).")
@with_appcontext
def scheduler_command():
    from .sync import jobs

    click.echo("scheduler running: one tick a minute (Ctrl+C to stop)")
    jobs.run_blocking(current_app._get_current_object())


@click.group("secrets", help="Secrets at rest: key rotation (see docs/operations.md).")
def secrets_cli():
    pass


@secrets_cli.command(
    "rotate", help="Re-encrypt every stored secret under the first key of ENCRYPTION_KEYS."
)
@with_database
def secrets_rotate_command():
    from . import secret_rotation

    report = secret_rotation.rotate_secrets()
    click.echo(f"re-encrypted {report.rewritten} secret(s) under the newest key")
    if report.unreadable:
        raise click.ClickException(
            "no configured key reads: " + ", ".join(report.unreadable) + " (restore the old key)"
        )


@secrets_cli.command(
    "check", help="Exit 1 while a stored secret still needs a key other than the first."
)
@with_database
def secrets_check_command():
    from . import secret_rotation

    needing = secret_rotation.secrets_needing_old_keys()
    if needing:
        raise click.ClickException(
            f"{len(needing)} secret(s) still need an older key: {', '.join(needing)}; "
            "run `flask secrets rotate`"
        )
    click.echo("every stored secret is readable with the newest key alone")
