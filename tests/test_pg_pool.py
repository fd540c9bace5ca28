"""wizard/pg_pool.py: a PostgreSQL connection handed back within the last half second
goes out again without a ping; one idle longer is pinged, so a connection the server
dropped is discarded instead of failing a request."""

import time

import peewee as pw
import psycopg
import pytest

from tests.conftest import pooled
from wizard import pg_pool
from wizard.db import make_database


@pytest.fixture
def pool(postgres_schema_url):
    database = make_database(pooled(postgres_schema_url))
    assert isinstance(database, pg_pool.RecentlyUsedPool)
    yield database
    database.close_all()


def backend_pid(database) -> int:
    with database.connection_context():
        return database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]


def terminate(pid: int, url: str) -> None:
    """End the backend from another connection, and wait until it has exited (a backend
    still finishing could answer one more ping)."""
    with psycopg.connect(url, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} still there after 10 s"
            time.sleep(0.01)


def test_a_connection_just_handed_back_is_reused_without_a_ping(pool, monkeypatch):
    pings = []
    real = pool._adapter.is_connection_closed
    monkeypatch.setattr(pool._adapter, "is_connection_closed", lambda c: pings.append(c) or real(c))
    first = backend_pid(pool)
    assert backend_pid(pool) == first and pings == []


def test_an_idle_connection_the_server_dropped_is_discarded(pool, postgres_schema_url, monkeypatch):
    monkeypatch.setattr(pg_pool, "PING_AFTER_SECONDS", 0)  # every connection counts as idle
    dropped = backend_pid(pool)
    terminate(dropped, postgres_schema_url)
    assert backend_pid(pool) != dropped  # pinged, found dead, replaced: no request failed


def test_one_dropped_within_the_window_fails_one_request_and_is_then_discarded(
    pool, postgres_schema_url, monkeypatch
):
    """The documented cost of skipping the ping: one request, never a second."""
    monkeypatch.setattr(pg_pool, "PING_AFTER_SECONDS", 3600)
    dropped = backend_pid(pool)
    terminate(dropped, postgres_schema_url)
    with pytest.raises(pw.OperationalError), pool.connection_context():
        pool.execute_sql("SELECT 1")
    assert backend_pid(pool) != dropped


def test_other_urls_keep_peewee_s_own_classes(tmp_path, postgres_schema_url):
    assert not isinstance(make_database(postgres_schema_url), pg_pool.RecentlyUsedPool)
    assert pg_pool.pooled_database(f"sqlite:///{tmp_path / 'a.db'}") is None
