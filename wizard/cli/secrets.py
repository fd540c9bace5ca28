"""``flask --app app secrets ...``: key rotation for secrets at rest
(docs/operations.md)."""

import click

from .context import with_database


@click.group("secrets", help="Secrets at rest: key rotation (see docs/operations.md).")
def secrets_cli():
    pass


@secrets_cli.command(
    "rotate", help="Re-encrypt every stored secret under the first key of ENCRYPTION_KEYS."
)
@with_database
def secrets_rotate_command():
    from ..domain import secret_rotation

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
    from ..domain import secret_rotation

    needing = secret_rotation.secrets_needing_old_keys()
    if needing:
        raise click.ClickException(
            f"{len(needing)} secret(s) still need an older key: {', '.join(needing)}; "
            "run `flask secrets rotate`"
        )
    click.echo("every stored secret is readable with the newest key alone")
