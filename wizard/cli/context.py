"""How every command runs: inside a database connection, with our rule errors as one
line (click's ``Error: ...``, exit 1, never a traceback); secrets from a hidden prompt or
the environment; ``--org SLUG`` to its organization."""

import functools

import click
from click.core import ParameterSource
from flask.cli import with_appcontext

from ..db import database
from ..domain import accounts, organizations
from ..domain import email_domains as domains
from ..models import Organization
from ..sso import settings as sso_settings


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


def warn_if_typed_in_argv(ctx, param, value):
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
        callback=warn_if_typed_in_argv,
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
