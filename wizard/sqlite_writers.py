"""The queue SQLite's writers wait in, across threads and processes.

SQLite lets one writer at a time hold a database; the others wait in its busy handler,
which sleeps 1, 2, 5, 10, 15, 20, 25, 25, 50, 50, 100 ms between tries. A writer that
just missed the lock sleeps on while the database stands free: with two gunicorn
workers that was the SCIM mix's p99 (docs/benchmarks.md). Here writers queue on a
mutex (threads of one process) and on an advisory lock file beside the database
(processes), and the next one goes within a fraction of a millisecond of the release.

The file lock is only a queue, never what keeps data safe: SQLite's own lock still
does that. A writer that cannot get the file lock within the busy timeout goes on
without it and leaves the wait to SQLite, which then fails as it always did
("database is locked"); nothing waits forever.
"""

import fcntl
import os
import threading
import time
from contextlib import contextmanager

# How often a waiting process looks at the lock file: flock itself cannot time out.
POLL_SECONDS = (0.0002, 0.0005, 0.001)


class SqliteWriters:
    def __init__(self):
        self._mutex = threading.RLock()  # re-entrant: a nested write is a savepoint
        self._depth = 0  # this process's holder's nesting; changed only under _mutex
        self._files: dict[str, tuple[int, int]] = {}  # lock path -> (pid, fd)

    @contextmanager
    def hold(self, database_path: str | None, timeout: float):
        """Hold the writers' queue for the database at ``database_path`` (``None`` or
        ``:memory:``: threads only) around one outermost write."""
        with self._mutex:
            outer = self._depth == 0
            self._depth += 1
            fd = self._lock(database_path, timeout) if outer else None
            try:
                yield
            finally:
                self._depth -= 1
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def _lock(self, database_path: str | None, timeout: float) -> int | None:
        fd = self._file(database_path)
        if fd is None:
            return None
        deadline = time.monotonic() + timeout
        waits = iter(POLL_SECONDS)
        pause = next(waits)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return None  # SQLite's busy handler decides from here
                time.sleep(pause)
                pause = next(waits, pause)

    def _file(self, database_path: str | None) -> int | None:
        if not database_path or database_path == ":memory:":
            return None
        path = f"{database_path}-writers.lock"
        pid = os.getpid()
        opened = self._files.get(path)
        # A forked worker must open its own: a lock taken through an inherited file
        # description is shared with the parent and every sibling, so it queues no one.
        if opened is None or opened[0] != pid:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                return None  # a read-only folder: threads still queue
            self._files[path] = (pid, fd)
            return fd
        return opened[1]


writers = SqliteWriters()
