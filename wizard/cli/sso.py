"""``flask --app app sso ...``: sign-in with Okta, configured and checked like the
wizard's SSO step, and shown (never the secret)."""

import click

from ..domain import audit, connections
from ..domain import email_domains as domains
from ..models import Member, fold
from ..sso import configurations as sso_configurations
from ..sso import enforcement
from ..sso import settings as sso_settings
from .context import organization_by_slug, warn_if_typed_in_argv, with_database


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
    callback=warn_if_typed_in_argv,
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
            break_glass_id=break_glass.id
            if break_glass
            else connection.sign_in_policy.break_glass_id,
            jit=connection.sign_in_policy.jit_enabled,
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
    click.echo(f"enforced: {connection.sign_in_policy.sso_enforced}")
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
