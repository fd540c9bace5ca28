"""A SCIM write's transaction in psycopg's pipeline mode (PostgreSQL).

A statement whose answer nobody reads is sent without waiting for it: BEGIN and the
organization's lock travel with the first read, and the writes after the last read
(the member UPDATE, the audit event, the failure rows resolved) travel with the COMMIT.
Each wait is a wake-up on a busy machine, and most of them happened under the
organization's lock, which one tenant's writes queue on (docs/benchmarks.md): a SCIM
PATCH waited for 8 answers inside its transaction, now for 3.

What a block inside must keep in mind:
- a write's row count is not known (-1) when it returns: nothing may branch on it;
- a statement's error arrives with the next answer read (a read, a RETURNING, the
  COMMIT), and the server ignores everything after it until the pipeline syncs.
"""

from contextlib import contextmanager, suppress

import peewee as pw
import psycopg

_OPEN = (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR)


@contextmanager
def pipelined_transaction(db: pw.Database, lock):
    """A transaction on ``db`` in pipeline mode; ``lock()`` runs first inside it.

    Either all of it commits or none of it does; an error is raised as Peewee's (an
    IntegrityError stays an IntegrityError, a SCIM 409), and the connection goes back to
    the pool idle. A nested ``atomic()`` is a savepoint of it, as without the pipeline.
    Peewee's ``after_commit`` hooks are not run by this COMMIT (nothing registers one)."""
    connection = db.connection()
    transaction = db.transaction()  # on Peewee's stack only, so atomic() makes savepoints
    try:
        with pw.__exception_wrapper__, connection.pipeline() as pipeline:
            db.begin()
            db.push_transaction(transaction)
            try:
                lock()
                yield transaction
            except BaseException:
                # Read the answers still due: psycopg would log a failed one, row values
                # and all, on leaving the pipeline. The error raised is the block's.
                with suppress(psycopg.Error):
                    pipeline.sync()
                raise
            finally:
                db.pop_transaction()
            db.execute_sql("COMMIT")
    finally:
        if connection.info.transaction_status in _OPEN:
            connection.rollback()  # a failed statement, or the block raised


class PipelineCursor(psycopg.Cursor):
    """A cursor that keeps what Peewee code expects of errors inside a pipeline: one
    that arrives while an answer is read (a RETURNING, a read after writes) is raised as
    Peewee's error there, as it would have been at the statement; and a savepoint's
    rollback goes through the aborted pipeline. Code that catches an error inside
    ``atomic()`` and carries on (Peewee's ``get_or_create``, a duplicate account) works
    as it does without a pipeline when the failing statement's answer is read inside
    the savepoint (a RETURNING, a read after it). A write nobody reads may have its
    error arrive after the savepoint is released: then the whole transaction fails.
    No SCIM write catches a database error around such a write."""

    def execute(self, query, params=None, **options):
        aborted = self.connection.info.pipeline_status == psycopg.pq.PipelineStatus.ABORTED
        if aborted and type(query) is str and query.startswith("ROLLBACK TO SAVEPOINT"):
            # The server skips every message after the error until a sync; the error
            # itself has been raised already.
            with suppress(psycopg.Error), self.connection.pipeline():
                pass
        return super().execute(query, params, **options)

    def fetchone(self):
        with pw.__exception_wrapper__:
            return super().fetchone()

    def fetchmany(self, size=0):
        with pw.__exception_wrapper__:
            return super().fetchmany(size)

    def fetchall(self):
        with pw.__exception_wrapper__:
            return super().fetchall()

    def __next__(self):
        with pw.__exception_wrapper__:
            return super().__next__()
