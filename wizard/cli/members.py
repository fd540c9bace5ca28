"""``flask --app app member ...``: local accounts (an organization's first admin, our
staff), and ``demo``, the development demo's organization and admin."""

import click
from flask import current_app

from ..domain import accounts
from ..domain.roles import OrgRole
from .context import new_password_option, organization_by_slug, with_database


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
    if current_app.config.get("SIMULATED_OKTA"):
        from ..simulator.demo import prepare_demo

        for line in prepare_demo(organization):
            click.echo(line)
