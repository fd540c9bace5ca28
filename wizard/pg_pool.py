"""Peewee's PostgreSQL pool, without a ping for a connection that was just in use.

Peewee's pool checks a connection it hands out with ``SELECT 1``: a round trip on every
request, 4 % of a SCIM request's time (bench/profile_mix.py). A connection handed back
less than ``PING_AFTER_SECONDS`` ago was answering then, so it goes out unpinged, as
HikariCP's ``aliveBypassWindowMs`` (500 ms) does; one idle longer is pinged as before,
and one the driver knows is broken is never handed out. The cost: a connection the
server dropped in that half second (a restart) fails the one request that gets it, and
the pool then discards it.
"""

import time

from playhouse.db_url import parse
from playhouse.pool import PooledPostgresqlDatabase

PING_AFTER_SECONDS = 0.5
POOL_SCHEMES = ("postgresql+pool://", "postgres+pool://")


class RecentlyUsedPool(PooledPostgresqlDatabase):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._returned_at: dict[int, float] = {}

    def _can_reuse(self, conn) -> bool:
        reusable = super()._can_reuse(conn)
        if reusable:
            self._returned_at[self.conn_key(conn)] = time.monotonic()
        else:
            self._returned_at.pop(self.conn_key(conn), None)
        return reusable

    def _close_raw(self, conn) -> None:
        self._returned_at.pop(self.conn_key(conn), None)
        super()._close_raw(conn)

    def _is_closed(self, conn) -> bool:
        returned = self._returned_at.pop(self.conn_key(conn), None)
        recent = returned is not None and time.monotonic() - returned < PING_AFTER_SECONDS
        idle = self._adapter.txn_status(conn) == self._adapter.txn_idle
        if recent and idle and not conn.closed:
            return False
        return super()._is_closed(conn)


def pooled_database(url: str, **options) -> RecentlyUsedPool | None:
    """The pool for a ``postgresql+pool://`` URL; None for any other URL."""
    if not url.startswith(POOL_SCHEMES):
        return None
    return RecentlyUsedPool(**{**parse(url), **options})
