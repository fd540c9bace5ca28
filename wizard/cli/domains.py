"""``flask --app app domain ...``: claim an email domain, print the TXT record that
proves it, check it now, or (an install without public DNS) verify it without a lookup,
audited as the CLI's doing."""

import click

from ..domain import audit
from ..domain import email_domain_verification as domain_verification
from ..domain import email_domains as domains
from .context import organization_by_slug, with_database


@click.group("domain", help="Email domains: claim one, prove it with a DNS TXT record.")
def domain_cli():
    pass


def _print_record(claim) -> None:
    record = domain_verification.record_for(claim)
    click.echo(f"{claim.domain}: {claim.status}")
    click.echo("Create this DNS record, then run `domain verify`:")
    click.echo(f"  name:  {record.name}")
    click.echo("  type:  TXT")
    click.echo(f"  value: {record.value}")


@domain_cli.command("add", help="Claim a domain (unverified); prints the TXT record to create.")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--domain", "domain", required=True, help="e.g. acme.com")
@with_database
def domain_add_command(slug, domain):
    organization = organization_by_slug(slug)
    claim, created = domains.claim(organization, domain)
    if created:
        audit.record(
            "domain.claimed",
            organization=organization,
            actor_label="cli",
            target=claim,
            details={"domain": claim.domain},
        )
    _print_record(claim)


@domain_cli.command("verify", help="Check the domain's TXT record now; exit 1 when not proven.")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--domain", "domain", required=True)
@click.option(
    "--skip-dns",
    is_flag=True,
    help="Mark it verified without a lookup (self-hosted installs without public DNS; audited).",
)
@with_database
def domain_verify_command(slug, domain, skip_dns):
    organization = organization_by_slug(slug)
    claim = domains.claim_of(organization, domains.normalize(domain))
    if claim is None:
        raise click.ClickException(f"{slug} has not claimed {domain}: run `domain add` first.")
    if skip_dns:
        check = domain_verification.verify_without_dns(claim)
    else:
        check = domain_verification.check_now(claim)
    method = domains.VerifyMethod.SKIP_DNS if skip_dns else domains.VerifyMethod.DNS
    if check.audit_action:
        audit.record(
            check.audit_action,
            organization=organization,
            actor_label="cli",
            target=claim,
            details={"domain": claim.domain, "method": method},
        )
    if not check.ok:
        raise click.ClickException(check.message)
    click.echo(check.message)


@domain_cli.command("list", help="The organization's domains, their status and last check.")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@with_database
def domain_list_command(slug):
    organization = organization_by_slug(slug)
    for claim in domains.claims_of(organization):
        checked = (
            claim.last_checked_at.isoformat(" ", "minutes") if claim.last_checked_at else "never"
        )
        click.echo(f"{claim.domain}\t{claim.status}\t{claim.method or '-'}\tchecked {checked}")
