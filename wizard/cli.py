"""``flask --app app ...`` commands. Each opens the database itself; rule violations
print one line (click's ``Error: ...``) and exit 1, never a traceback."""

import functools
import json
from datetime import timedelta

import click
from click.core import ParameterSource
from flask import Flask, current_app
from flask.cli import with_appcontext

from .db import database
from .domain import accounts, audit, connections, organizations
from .domain import email_domains as domains
from .domain.roles import OrgRole
from .models import Member, Organization, ScimEvent, fold, utcnow
from .scim import request_log
from .sso import configurations as sso_configurations
from .sso import enforcement
from .sso import settings as sso_settings


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
    # Imported here: the domain commands use this module's helpers (with_database).
    from .domain_cli import domain_cli

    app.cli.add_command(domain_cli)


def with_database(command):
    """Run the command inside a connection; turn our rule errors into one-line messages."""

    @functools.wraps(command)
    @with_appcontext
    def wrapper(*args, **kwargs):
        with database.connection_context():
            try:
                return command(*args, **kwargs)
            except (
                accounts.AccountError,
                organizations.OrganizationError,
                domains.DomainError,
            ) as exc:
                raise click.ClickException(str(exc)) from None
            except sso_settings.SsoSettingsError as exc:
                details = "; ".join(f"{field}: {message}" for field, message in exc.errors.items())
                raise click.ClickException(details) from None

    return wrapper


def _warn_if_typed_in_argv(ctx, param, value):
    if ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
        click.echo(
            f"Warning: {param.opts[0]} on the command line is visible to other users (ps) "
            f"and stays in shell history; leave it out to be asked, or set {param.envvar}.",
            err=True,
        )
    return value


def secret_option(name: str, *, envvar: str, prompt: str, new: bool, help: str):
    """A secret from a hidden prompt (typed twice when ``new``) or an environment
    variable; the old command-line flag still works, with a warning."""
    return click.option(
        name,
        envvar=envvar,
        prompt=prompt,
        hide_input=True,
        confirmation_prompt=new,
        callback=_warn_if_typed_in_argv,
        help=f"{help} Asked for (hidden) when omitted, or read from {envvar}.",
    )


def new_password_option():
    return secret_option(
        "--password",
        envvar="OKTA_CONNECTOR_PASSWORD",
        prompt="Password",
        new=True,
        help=f"At least {accounts.MIN_PASSWORD_LENGTH} characters.",
    )


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
@new_password_option()
@with_database
def create_admin_command(slug, email, password):
    organization = organization_by_slug(slug)
    member = accounts.create_local_admin(organization, email, password, OrgRole.ENTERPRISE_ADMIN)
    click.echo(f"created admin {member.email} in {organization.slug}")


@member_cli.command("create-staff", help="Create a staff account (our support people).")
@click.option("--email", required=True)
@new_password_option()
@with_database
def create_staff_command(email, password):
    member = accounts.create_staff(email, password)
    click.echo(f"created staff account {member.email}")


@click.command(
    "demo", help="Development: create the demo organization and admin; print a fresh password."
)
@with_database
def demo_command():
    # In production an organization with the demo's slug is a customer's: the command
    # would give it an EnterpriseAdmin whose password is printed here.
    if current_app.config["APP_ENV"] != "development":
        raise click.ClickException(
            "demo is for development (APP_ENV=development); in production create owners "
            "with `member create-admin`."
        )
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
    request_log.flush()
    count = ScimEvent.delete().where(ScimEvent.created_at < cutoff).execute()
    click.echo(f"deleted {count} SCIM request record(s) older than {days} days")


@click.group("sso", help="Single sign-on with Okta (OpenID Connect).")
def sso_cli():
    pass


@sso_cli.command(
    "configure",
    help="Save the organization's Okta sign-in settings as pending (checked like the "
    "wizard); --activate makes them live without a test sign-in.",
)
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--issuer", required=True, help="Okta domain or issuer URL.")
@click.option("--client-id", required=True)
@click.option(
    "--client-secret",
    default=None,
    prompt="Client secret",
    prompt_required=False,
    hide_input=True,
    envvar="OKTA_CONNECTOR_CLIENT_SECRET",
    callback=_warn_if_typed_in_argv,
    help="Give --client-secret alone for a hidden prompt, or set "
    "OKTA_CONNECTOR_CLIENT_SECRET (a value on the command line stays in shell history). "
    "Omit for a PKCE-only app or to keep the saved secret.",
)
@click.option(
    "--email-domain",
    required=True,
    help="Primary email domain, e.g. acme.com; claimed unverified (see `domain verify`).",
)
@click.option(
    "--activate",
    is_flag=True,
    help="Make the settings live now, without a test sign-in (audited as a CLI action).",
)
@click.option(
    "--enforce/--no-enforce",
    default=None,
    help="Require Okta sign-in for everyone, or stop requiring it; left out: unchanged.",
)
@click.option("--break-glass", "break_glass_email", default=None, help="With --enforce.")
@with_database
def sso_configure_command(
    slug, issuer, client_id, client_secret, email_domain, activate, enforce, break_glass_email
):
    organization = organization_by_slug(slug)
    connection = connections.ensure_connection(organization)
    changes = sso_settings.save_sso_settings(
        connection,
        okta_domain=issuer,
        client_id=client_id,
        client_secret=client_secret,
        email_domain=email_domain,
        saved_by_label="cli",
    )
    audit.record(
        "sso.settings_saved",
        organization=organization,
        actor_label="cli",
        target=connection,
        details=changes,
    )
    pending = sso_configurations.pending(connection)
    if activate and pending is not None:
        sso_configurations.activate(
            pending,
            actor_label="cli",
            details={"tested": False, "note": "activated by the CLI without a test sign-in"},
        )
    if enforce is not None:
        _enforce_from_cli(connection, break_glass_email, enforced=enforce)
    state = "pending: run the test sign-in" if sso_configurations.pending(connection) else "live"
    click.echo(f"single sign-on saved for {organization.slug} ({state})")


def _enforce_from_cli(connection, break_glass_email: str | None, *, enforced: bool) -> None:
    """``--enforce``/``--no-enforce`` follow the page's rules (``set_enforcement``):
    enforcing needs a live, tested configuration and a break-glass admin."""
    break_glass = None
    if break_glass_email:
        break_glass = (
            enforcement.break_glass_candidates(connection)
            .where(Member.email_key == fold(break_glass_email))
            .first()
        )
        if break_glass is None:
            raise click.ClickException(f"{break_glass_email} is not a local admin of this org.")
    try:
        changes = enforcement.set_enforcement(
            connection,
            enforced=enforced,
            break_glass_id=break_glass.id if break_glass else connection.break_glass_id,
            jit=connection.jit_enabled,
        )
    except enforcement.EnforcementError as exc:
        raise click.ClickException(str(exc)) from None
    audit.record(
        "sso.enforcement_changed",
        organization=connection.organization,
        actor_label="cli",
        target=connection,
        details=changes,
    )


@sso_cli.command("show", help="Show the organization's sign-in settings (never the secret).")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@with_database
def sso_show_command(slug):
    organization = organization_by_slug(slug)
    connection = connections.connection_for(organization)
    live, pending = sso_configurations.live(connection), sso_configurations.pending(connection)
    if live is None and pending is None:
        raise click.ClickException(f"Single sign-on is not configured for {slug}.")
    uris = sso_settings.redirect_uris(organization)
    for label, configuration in (("live", live), ("pending", pending)):
        if configuration is not None:
            _show_configuration(label, configuration)
    claims = domains.claims_of(organization)
    shown = ", ".join(f"{claim.domain} ({claim.status})" for claim in claims) or "none"
    click.echo(f"email_domains: {shown}")
    click.echo(f"enforced: {connection.sso_enforced}")
    click.echo(f"login_redirect_uri: {uris['login']}")
    click.echo(f"logout_redirect_uri: {uris['logout']}")


def _show_configuration(label: str, configuration) -> None:
    secret = configuration.client_secret
    shown = {
        "issuer": configuration.issuer,
        "client_id": configuration.client_id,
        "client_secret": f"set, ending in {configuration.client_secret_hint}"
        if secret
        else "none (PKCE-only)",
        "tested_at": configuration.tested_at.isoformat() if configuration.tested_at else None,
    }
    click.echo(f"[{label}]")
    for name, value in shown.items():
        click.echo(f"{name}: {value}")


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
    callback=_warn_if_typed_in_argv,
    help="From Okta: Security > API > Tokens (without --oauth-client-id). Asked for "
    "(hidden) when omitted, or read from OKTA_CONNECTOR_API_TOKEN.",
)
@click.option("--app-id", default="", help="The Okta app whose assignments are synced.")
@with_database
def sync_configure_command(slug, org_url, oauth_client_id, api_token, app_id):
    from .sync import api_connection
    from .sync.service_app_cli import configure_service_app

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
    connection.sync_app_id = app_id
    connection.save()
    audit.record(
        "sync.configured",
        organization=organization,
        actor_label="cli",
        target=connection,
        details={"org_url": connection.api_org_url, "auth": connection.api_auth},
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
    if connection is None or not connection.api_connected:
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
    connection.sync_paused_at = utcnow() if paused else None
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
    from .domain import secret_rotation

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
    from .domain import secret_rotation

    needing = secret_rotation.secrets_needing_old_keys()
    if needing:
        raise click.ClickException(
            f"{len(needing)} secret(s) still need an older key: {', '.join(needing)}; "
            "run `flask secrets rotate`"
        )
    click.echo("every stored secret is readable with the newest key alone")
