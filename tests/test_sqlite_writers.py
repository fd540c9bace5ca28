"""SQLite's writers queue across processes (wizard/sqlite_writers.py): a writer in one
process waits while another holds the queue, goes the moment it is released, never
waits past the busy timeout, and a forked worker queues against its parent (a lock
through an inherited file description would be shared, queueing no one)."""

import multiprocessing
import threading
from contextlib import contextmanager

import peewee as pw

from wizard.sqlite_writers import SqliteWriters, writers

FORK = multiprocessing.get_context("fork")


def _hold_with(queue, path, held, release):
    with queue.hold(path, timeout=30):
        held.set()
        release.wait(30)


@contextmanager
def held_by_another_process(path: str, queue: SqliteWriters | None = None):
    """A forked process holds the writers' queue for ``path`` (through ``queue``, one
    made before the fork, or a fresh one) until the block sets the event it is given."""
    held, release = FORK.Event(), FORK.Event()
    other = FORK.Process(target=_hold_with, args=(queue or SqliteWriters(), path, held, release))
    other.start()
    try:
        assert held.wait(30)
        yield release
    finally:
        release.set()
        other.join(30)
    assert other.exitcode == 0


def _enter_in_thread(queue: SqliteWriters, path: str, timeout: float = 30):
    entered = threading.Event()

    def write():
        with queue.hold(path, timeout):
            entered.set()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return entered, thread


def test_a_writer_waits_for_another_process_and_goes_when_it_releases(tmp_path):
    path = str(tmp_path / "app.db")
    with held_by_another_process(path) as release:
        entered, thread = _enter_in_thread(SqliteWriters(), path)
        assert not entered.wait(0.3)  # the other process holds the queue
        release.set()
        assert entered.wait(30)
        thread.join(30)
    assert (tmp_path / "app.db-writers.lock").exists()


def test_a_writer_never_waits_past_the_busy_timeout(tmp_path):
    path = str(tmp_path / "app.db")
    with held_by_another_process(path):
        entered, thread = _enter_in_thread(SqliteWriters(), path, timeout=0.05)
        assert entered.wait(30)  # past its timeout it goes on; SQLite's lock decides
        thread.join(30)


def test_a_forked_worker_queues_against_the_process_it_was_forked_from(tmp_path):
    path = str(tmp_path / "app.db")
    queue = SqliteWriters()
    with queue.hold(path, timeout=30):  # the parent opened the lock file (a migration)
        pass
    with held_by_another_process(path, queue) as release:  # a worker forked after it
        entered, thread = _enter_in_thread(queue, path)
        assert not entered.wait(0.3)  # through a shared description it would not wait
        release.set()
        assert entered.wait(30)
        thread.join(30)


def test_a_nested_write_is_a_savepoint_not_a_second_wait(tmp_path):
    db = pw.SqliteDatabase(str(tmp_path / "app.db"))
    db.connect()
    db.execute_sql("CREATE TABLE t (n INTEGER)")
    outer = writers.hold(db.database, 1), db.atomic(lock_type="IMMEDIATE")
    inner = writers.hold(db.database, 1), db.atomic()
    with outer[0], outer[1], inner[0], inner[1]:
        db.execute_sql("INSERT INTO t VALUES (1)")
    assert db.execute_sql("SELECT count(*) FROM t").fetchone() == (1,)
    db.close()


def test_memory_databases_queue_threads_only():
    queue = SqliteWriters()
    with queue.hold(":memory:", 1), queue.hold(None, 1):
        pass
    assert queue._files == {}
