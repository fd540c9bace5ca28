"""Rows of a diagnostic table written in batches, off the request path.

One INSERT per SCIM request, in its own transaction, was the request log's cost: on
SQLite one more turn of the write lock per request (a GET then queues behind every
writer), on PostgreSQL one more round trip and commit. Here a request only appends its
row to an in-process queue; a background thread writes what is queued every
``flush_ms`` milliseconds, or as soon as ``batch_rows`` rows wait, in one transaction
with one statement executed for many rows.

What a crash can lose: the rows queued since the last flush (at most ``flush_ms`` of
request-log rows). Nothing else goes this way: audit events and failed-migration rows
are written inside the request's own transaction. A normal exit (gunicorn's graceful
stop, SIGTERM to a process without its own handler, the interpreter ending) writes the
queue first.

When the queue is full (``max_rows`` rows or ``max_bytes`` of bodies, say the database is
slower than the requests for a while), the request that finds it full writes the queue
itself before answering: requests slow down, rows are not dropped. Rows are dropped only
when the database refuses the write; they are counted (``dropped``) and logged.
"""

import atexit
import logging
import os
import signal
import threading
import time
import weakref
from collections import deque

import peewee as pw

from ..db import write_transaction

log = logging.getLogger(__name__)


class BatchWriter:
    """``add(row)`` queues a tuple for ``insert_sql``; ``flush()`` writes the queue now.

    ``prepare(row)`` turns a queued row into the statement's parameters on the writing
    thread (the request log redacts bodies there). ``size(row)`` is what the row holds
    in memory, for ``max_bytes``.
    """

    def __init__(
        self,
        db: pw.Database,
        insert_sql: str,
        *,
        prepare=tuple,
        size=lambda row: 0,
        flush_ms: int = 200,
        batch_rows: int = 500,
        max_rows: int = 10_000,
        max_bytes: int = 16 * 1024 * 1024,
    ):
        self.db, self.insert_sql, self.prepare, self.size = db, insert_sql, prepare, size
        self.flush_seconds = max(flush_ms, 1) / 1000
        self.batch_rows, self.max_rows, self.max_bytes = batch_rows, max_rows, max_bytes
        self.pending: deque = deque()
        self.pending_bytes = 0
        self.oldest = 0.0  # monotonic time the oldest queued row was added
        self.dropped = 0
        self.flushes = 0
        self._write_lock = threading.Lock()  # one flush at a time, whoever runs it
        _FLUSHER.watch(self)

    def add(self, row: tuple) -> None:
        _FLUSHER.ensure_running()
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append(row)
        self.pending_bytes += self.size(row)
        if len(self.pending) >= self.max_rows or self.pending_bytes >= self.max_bytes:
            self.flush()  # back-pressure: this request writes the queue, nothing is lost
        elif len(self.pending) >= self.batch_rows:
            _FLUSHER.wake()

    def due(self, now: float) -> bool:
        return bool(self.pending) and (
            len(self.pending) >= self.batch_rows or now - self.oldest >= self.flush_seconds
        )

    def flush(self) -> int:
        """Write every queued row now; returns how many were written."""
        written = 0
        with self._write_lock:
            while self.pending:
                batch = [self.prepare(row) for row in self._take(self.batch_rows * 4)]
                written += self._write_or_count(batch)
            self.flushes += 1
        return written

    def _write_or_count(self, rows: list[tuple]) -> int:
        try:
            self._write(rows)
            return len(rows)
        except pw.IntegrityError:
            if len(rows) == 1:
                self._count_dropped(1)
                return 0
            # One row naming a row that is gone (a token deleted meanwhile, a rolled-back
            # connection) must not take the others with it: write them one by one.
            return sum(self._write_or_count([row]) for row in rows)
        except Exception:
            self._count_dropped(len(rows))
            return 0

    def _count_dropped(self, count: int) -> None:
        self.dropped += count
        log.exception("request log: %d row(s) not written (dropped)", count)

    def _take(self, limit: int) -> list:
        batch = []
        while self.pending and len(batch) < limit:
            row = self.pending.popleft()  # deque.popleft is atomic: adders need no lock
            self.pending_bytes -= self.size(row)
            batch.append(row)
        if self.pending:
            self.oldest = time.monotonic()
        return batch

    def _write(self, rows: list[tuple]) -> None:
        # A connection of this thread's own, or the one the calling request has open
        # (closing that one here would end the request's connection under it).
        opened = self.db.is_closed()
        if opened:
            self.db.connect()
        try:
            with write_transaction(on=self.db), pw.__exception_wrapper__:
                self.db.cursor().executemany(self.insert_sql, rows)
        finally:
            if opened and not self.db.is_closed():
                self.db.close()


class _Flusher:
    """One daemon thread per process for every writer: wakes each ``tick`` and writes
    the queues that are due. Started on first use and again after a fork (gunicorn's
    workers each get their own); writers of apps that are gone drop out by themselves."""

    tick = 0.05

    def __init__(self):
        self.writers: weakref.WeakSet = weakref.WeakSet()
        self.wakeup = threading.Event()
        self.pid = None
        self.lock = threading.Lock()

    def watch(self, writer: BatchWriter) -> None:
        self.tick = min(self.tick, writer.flush_seconds)
        self.writers.add(writer)
        self.ensure_running()

    def wake(self) -> None:
        self.wakeup.set()

    def ensure_running(self) -> None:
        if self.pid == os.getpid():
            return
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
            threading.Thread(target=self._run, name="request-log-writer", daemon=True).start()
            _write_on_sigterm()

    def _run(self) -> None:
        while True:
            self.wakeup.wait(self.tick)
            self.wakeup.clear()
            now = time.monotonic()
            for writer in list(self.writers):
                if writer.due(now):
                    writer.flush()

    def flush_all(self) -> None:
        for writer in list(self.writers):
            writer.flush()


_FLUSHER = _Flusher()
atexit.register(_FLUSHER.flush_all)


def _write_on_sigterm() -> None:
    """A process stopped by SIGTERM with the default action ends without running atexit:
    where nobody handles SIGTERM (``flask run``, a plain WSGI server) write the queues,
    then end as SIGTERM would. gunicorn installs its own handler and then exits
    normally, which runs atexit."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def write_then_end(signum, _frame):
        _FLUSHER.flush_all()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, write_then_end)
