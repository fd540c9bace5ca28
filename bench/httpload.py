"""A small asyncio HTTP/1.1 keep-alive client for the benchmarks.

Every server in a comparison is driven by this same client, so its own cost is the same
for all of them. One connection per virtual client; each request's latency is recorded.
"""

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # seconds
    statuses: dict[int, int] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0
    cpu_seconds: float = 0.0  # the server's, when the caller measures it
    postgres_cpu_seconds: float = 0.0  # PostgreSQL's processes', likewise

    def add(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def merge(self, other: "Stats") -> None:
        self.latencies += other.latencies
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.requests / max(self.ended - self.started, 1e-9)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.headers = headers or {}
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self):
        if self.writer:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()

    async def request(self, method: str, path: str, body=None) -> tuple[int, dict | None]:
        if self.writer is None:
            await self.open()
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {self.prefix}{path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if body is not None:
            lines += ["Content-Type: application/scim+json", f"Content-Length: {len(payload)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        status_line = await self.reader.readline()
        if not status_line:  # the server closed an idle connection: reconnect once
            await self.close()
            self.writer = None
            return await self.request(method, path, body)
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        data = await self._chunked() if chunked else await self.reader.readexactly(length)
        if close:
            await self.close()
            self.writer = None
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return status, parsed

    async def _chunked(self) -> bytes:
        data = b""
        while True:
            size = int((await self.reader.readline()).strip(), 16)
            if size == 0:
                await self.reader.readline()
                return data
            data += await self.reader.readexactly(size)
            await self.reader.readline()


class Timed:
    """A connection that records each request into ``stats``."""

    def __init__(self, connection: Connection, stats: Stats):
        self.connection, self.stats = connection, stats

    async def request(self, method, path, body=None):
        start = time.perf_counter()
        status, parsed = await self.connection.request(method, path, body)
        self.stats.add(status, time.perf_counter() - start)
        return status, parsed


async def run_clients(
    base_url, headers, clients: int, work, deadline_seconds: float, spread=None
) -> Stats:
    """Run ``work(client_index, timed, deadline)`` on ``clients`` connections at once;
    with ``spread``, a list of ``(base_url, headers)``, client i talks to entry i modulo
    its length (several servers, several tenants)."""
    spread = spread or [(base_url, headers)]
    total = Stats()
    per_client = [Stats() for _ in range(clients)]
    connections = [Connection(*spread[i % len(spread)]) for i in range(clients)]
    for connection in connections:
        await connection.open()
    deadline = time.monotonic() + deadline_seconds
    total.started = time.perf_counter()
    await asyncio.gather(
        *(work(i, Timed(connections[i], per_client[i]), deadline) for i in range(clients))
    )
    total.ended = time.perf_counter()
    for connection in connections:
        await connection.close()
    for stats in per_client:
        total.merge(stats)
    return total
