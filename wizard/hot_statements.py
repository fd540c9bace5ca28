"""Server-side prepared statements on PostgreSQL, for the request path's hot SQL only.

Without them PostgreSQL parses and plans every statement of every SCIM request again;
the handful the request path runs thousands of times (wizard/prepared.py, the
organization lock, the auth version) are prepared once per connection instead.
psycopg's own rule (prepare any statement after five runs) stays off: it prepared the
sync's batch lookups too, and PostgreSQL kept generic plans chosen while a table was
small (docs/benchmarks.md). The hot statements are single-row reads and writes by a
unique key, whose plan is the same index probe whatever the table holds.

Only pooled connections prepare (``postgresql+pool://``): a connection that lives for one
request would pay the extra round trip of each prepare and never reuse it. psycopg's
``executemany`` prepares its statement whatever the threshold (the request log's
batched INSERT), and forgets every prepared statement at each rollback (it sends
``DEALLOCATE ALL``): a refused SCIM write costs the next request on that connection a
prepare per statement again.

``DATABASE_SERVER_PREPARES = False`` turns them off, for a PgBouncer in transaction mode
older than 1.22 (1.21 keeps protocol-level prepared statements per client with
``max_prepared_statements``, 1.22 also the ``DEALLOCATE ALL`` psycopg sends).
"""

import psycopg

from .pg_pipeline import PipelineCursor

_HOT: set[str] = set()
_RESULT_TYPE_CHANGED = "cached plan must not change result type"

# psycopg needs a threshold for ``prepare=True`` to be honoured (``None`` disables
# preparing altogether); every statement not marked hot is sent with ``prepare=False``,
# so the count never reaches it.
_NEVER_BY_COUNT = 2**31


def mark_hot(sql: str) -> str:
    """Prepare ``sql`` on the server the first time a connection runs it."""
    _HOT.add(sql)
    return sql


class HotStatementCursor(PipelineCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None:
            prepare = type(query) is str and query in _HOT
        try:
            return super().execute(query, params, prepare=prepare, binary=binary)
        except psycopg.errors.FeatureNotSupported as error:
            # A migration changed a column's type under a prepared statement. Outside a
            # transaction nothing is lost: forget this connection's statements (psycopg
            # clears its own list when it sees the command) and run it once more. Inside
            # one, the transaction has failed; its rollback forgets them likewise.
            idle = self.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            if not (prepare and idle and _RESULT_TYPE_CHANGED in str(error)):
                raise
            self.connection.execute("DEALLOCATE ALL")
            return super().execute(query, params, prepare=prepare, binary=binary)


def connect_options(enabled: bool) -> dict:
    """psycopg connection options: hot statements prepared, or none at all."""
    if not enabled:
        return {"prepare_threshold": None, "cursor_factory": PipelineCursor}
    return {"prepare_threshold": _NEVER_BY_COUNT, "cursor_factory": HotStatementCursor}
