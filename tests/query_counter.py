"""Count the SQL statements a block runs, through peewee's own query hooks (every
statement the database executes, from any thread: the live server's included)."""

from contextlib import contextmanager

from wizard.db import database


@contextmanager
def statements():
    """``with statements() as seen:`` -> ``seen`` lists the SQL text run inside."""
    seen: list[str] = []

    def hook(event):
        seen.append(event.sql)

    hooks = database.obj.query_hooks
    hooks.append(hook)
    try:
        yield seen
    finally:
        hooks.remove(hook)
