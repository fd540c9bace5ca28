"""``flask --app app --help`` in a fresh shell: the commands and their help, without the
settings that serving or touching data needs.

The Flask command line imports ``app.py`` (so ``create_app()``) just to list the
commands. With an unsafe configuration (no ``SECRET_KEY`` in a fresh shell) the app must
still refuse to start, so a newcomer's first command printed a refusal instead of help.
When, and only when, the command line asks for help, ``create_app`` builds a *refusing
app* instead: every command is registered (so each ``--help`` works), and running any of
them, serving included, raises the same one-line refusal the real app would have.
"""

import functools
import os
import sys
from pathlib import Path

import click
from flask import Flask

from .config import UnsafeConfiguration

# The Flask command line's own options that take a value (``flask --app app --help``).
OPTIONS_WITH_VALUE = ("-A", "--app", "-e", "--env-file")


def asks_for_help(argv: list[str] | None = None, environ=os.environ) -> bool:
    """True when the ``flask`` command line only wants help: ``--help`` anywhere, or no
    command at all (click then prints the help). Never outside the Flask command line."""
    argv = list(sys.argv if argv is None else argv)
    if environ.get("FLASK_RUN_FROM_CLI") != "true" or not argv or not _is_flask(argv[0]):
        return False
    arguments = argv[1:]
    if "--help" in arguments:
        return True
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in OPTIONS_WITH_VALUE:
            skip = True
        elif not argument.startswith("-"):
            return False  # a command: it runs, so the refusal stands
    return True


def _is_flask(program: str) -> bool:
    path = Path(program)
    return path.name == "flask" or path.parts[-2:] == ("flask", "__main__.py")


def refusing_app(refusal: UnsafeConfiguration, **flask_options) -> Flask:
    """An app with every command for their ``--help``; running one raises ``refusal``."""
    from . import cli, db

    app = Flask(__name__, **flask_options)
    cli.init_app(app)
    app.cli.add_command(db.db_cli)
    for command in _commands(app.cli):
        command.callback = _refusing(command.callback, refusal)

    def refuse_to_serve(environ, start_response):
        raise refusal

    app.wsgi_app = refuse_to_serve
    return app


def _commands(group: click.Group):
    for command in group.commands.values():
        if isinstance(command, click.Group):
            yield from _commands(command)
        elif command.callback is not None:
            yield command


def _refusing(callback, refusal: UnsafeConfiguration):
    @functools.wraps(callback)
    def refuse(*args, **kwargs):
        raise refusal

    return refuse
