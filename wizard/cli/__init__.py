"""``flask --app app ...`` commands, one module per command group: ``org``, ``member`` and
``demo`` (``members``), ``scim``, ``sso``, ``domain`` (``domains``), ``sync`` and
``scheduler`` (``sync``), ``secrets``; ``db`` is ``wizard/db.py``'s. Each opens the
database itself (``context.with_database``); rule violations print one line (click's
``Error: ...``) and exit 1, never a traceback."""

from flask import Flask

from .domains import domain_cli
from .members import demo_command, member_cli
from .org import org_cli
from .scim import scim_cli
from .secrets import secrets_cli
from .sso import sso_cli
from .sync import scheduler_command, sync_cli


def init_app(app: Flask) -> None:
    for command in (
        org_cli,
        member_cli,
        demo_command,
        scim_cli,
        sso_cli,
        domain_cli,
        sync_cli,
        scheduler_command,
        secrets_cli,
    ):
        app.cli.add_command(command)
