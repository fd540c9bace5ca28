"""SCIM throughput and latency under Okta's mix, side by side in one run.

For each new user, as Okta does: ``GET /Users?filter=userName eq``, ``POST /Users``;
later ``PATCH`` an attribute; a group ``PATCH`` adding the batch's members; then
``PATCH active=false``. 8 concurrent clients, each bounded in users and seconds.

Targets, all under gunicorn on 127.0.0.1: okta-connector (2 workers x 4 threads, SQLite
and PostgreSQL), the stack ceiling (bench/ceiling_app.py) the same way, bare Flask, and
the peer scim2-server (1 worker x 4 threads: its storage is per process memory).

Run: ``python bench/scim_mix.py [--users 40] [--seconds 60]``.
"""

import argparse
import asyncio
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from httpload import Connection, Stats, run_clients
from servers import (
    Gunicorn,
    cpu_seconds,
    engines,
    fresh_database,
    pooled,
    postgres_cpu,
    postgres_cpu_seconds,
    prepare_product,
    product_env,
)

CLIENTS = 8
BATCH = 5
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def patch(*operations):
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def new_user(name: str) -> dict:
    return {
        "schemas": [USER_SCHEMA],
        "userName": name,
        "name": {"givenName": "Bench", "familyName": name.split("@")[0]},
        "emails": [{"value": name, "type": "work", "primary": True}],
        "displayName": f"Bench {name}",
        "active": True,
    }


def okta_mix(users: int, tag: str, groups: list[str]):
    async def work(client: int, http, deadline: float) -> None:
        made = 0
        while made < users and time.monotonic() < deadline:
            ids = []
            for n in range(made, min(made + BATCH, users)):
                name = f"{tag}-{client}-{n}@bench.example.com"
                query = f"/Users?filter=userName%20eq%20%22{name}%22"
                await http.request("GET", query)
                status, body = await http.request("POST", "/Users", new_user(name))
                if status == 201:
                    ids.append(body["id"])
            made += BATCH
            for user_id in ids:
                await http.request(
                    "PATCH",
                    f"/Users/{user_id}",
                    patch({"op": "replace", "path": "title", "value": "Engineer"}),
                )
            await http.request(
                "PATCH",
                f"/Groups/{groups[client]}",
                patch({"op": "add", "path": "members", "value": [{"value": i} for i in ids]}),
            )
            for user_id in ids:
                deactivate = patch({"op": "replace", "value": {"active": False}})
                await http.request("PATCH", f"/Users/{user_id}", deactivate)

    return work


async def make_groups(spread: list[tuple[str, dict]], tag: str) -> list[str]:
    """One group per client, made where that client sends its requests."""
    ids = []
    for client in range(CLIENTS):
        connection = Connection(*spread[client % len(spread)])
        status, body = await connection.request(
            "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": f"{tag}-{client}"}
        )
        assert status == 201, (status, body)
        ids.append(body["id"])
        await connection.close()
    return ids


def measure(
    base_url: str, headers: dict, users: int, seconds: float, pids=(), spread=None
) -> Stats:
    """The mix's figures, and ``stats.cpu_seconds``: what the processes ``pids`` spent on
    the measured part. ``spread`` (``[(base_url, headers), ...]``) shares the clients out
    over several servers or tenants."""
    spread = spread or [(base_url, headers)]

    async def main():
        warm_groups = await make_groups(spread, "warm")
        warm = okta_mix(2, "warm", warm_groups)
        await run_clients(base_url, headers, CLIENTS, warm, 30, spread)
        groups = await make_groups(spread, "bench")
        before, postgres_before = cpu_seconds(list(pids)), postgres_cpu()
        stats = await run_clients(
            base_url, headers, CLIENTS, okta_mix(users, "bench", groups), seconds, spread
        )
        stats.cpu_seconds = cpu_seconds(list(pids)) - before
        stats.postgres_cpu_seconds = postgres_cpu_seconds(postgres_before)
        return stats

    return asyncio.run(main())


@contextmanager
def product(engine: str, workers: int = 2):
    with fresh_database(engine) as url:
        env = product_env(pooled(url))
        key, token, _ = prepare_product(env, url)
        server = Gunicorn("app:app", env, workers=workers).wait_ready()
        try:
            yield f"{server.url}/scim/v2/{key}", {"Authorization": f"Bearer {token}"}, server
        finally:
            server.stop()


@contextmanager
def ceiling(engine: str):
    with fresh_database(engine) as url:
        import ceiling_app

        ceiling_app.create_tables(url)
        env = {"CEILING_DATABASE_URL": pooled(url)}
        server = Gunicorn("ceiling_app:app", env, health="/scim/v2/k/Users").wait_ready()
        try:
            yield f"{server.url}/scim/v2/k", {}, server
        finally:
            server.stop()


@contextmanager
def bare():
    server = Gunicorn("bare_app:app", {}, health="/scim/v2/k/Users").wait_ready()
    try:
        yield f"{server.url}/scim/v2/k", {}, server
    finally:
        server.stop()


@contextmanager
def peer():
    env = {"PEER_TOKEN": "bench-token"}
    server = Gunicorn("peer_app:app", env, workers=1, health="/v2/ServiceProviderConfig")
    server.wait_ready()
    try:
        yield f"{server.url}/v2", {"Authorization": "Bearer bench-token"}, server
    finally:
        server.stop()


def targets():
    for engine in engines():
        label = "SQLite" if engine == "sqlite" else "PostgreSQL"
        yield f"okta-connector, {label}", lambda e=engine: product(e)
        yield f"stack ceiling, {label}", lambda e=engine: ceiling(e)
    yield "okta-connector, SQLite, 1 worker", lambda: product("sqlite", workers=1)
    yield "bare Flask (no database)", bare
    yield "scim2-server peer (1 worker)", peer


def figures(stats: Stats) -> dict:
    """One load's figures as the tables print them (milliseconds)."""
    return {
        "requests": stats.requests,
        "rps": stats.throughput,
        "p50": stats.percentile(50) * 1000,
        "p95": stats.percentile(95) * 1000,
        "p99": stats.percentile(99) * 1000,
        "errors": stats.errors,
        "statuses": dict(sorted(stats.statuses.items())),
        "cpu_ms": stats.cpu_seconds * 1000 / max(stats.requests, 1),
        "postgres_cpu_ms": stats.postgres_cpu_seconds * 1000 / max(stats.requests, 1),
    }


def run(users: int, seconds: float, only: str = "") -> list[dict]:
    """Every target, or those whose label contains one of ``only``'s comma-separated words."""
    wanted = [word.strip().lower() for word in only.split(",") if word.strip()]
    rows = []
    for label, start in targets():
        if wanted and not any(word in label.lower() for word in wanted):
            continue
        with start() as (base_url, headers, server):
            pids = [server.process.pid, *server.worker_pids()]
            stats = measure(base_url, headers, users, seconds, pids)
        rows.append({"target": label, **figures(stats)})
        print(f"  measured {label}: {rows[-1]['rps']:.0f} req/s", file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict]) -> str:
    by = {row["target"]: row for row in rows}
    lines = [
        "| Target | Requests | req/s | p50 ms | p95 ms | p99 ms | 5xx | statuses | vs ceiling "
        "| server CPU ms/req | PostgreSQL CPU ms/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        engine = "PostgreSQL" if "PostgreSQL" in row["target"] else "SQLite"
        ceiling_row = by.get(f"stack ceiling, {engine}")
        postgres_ms = f"{row['postgres_cpu_ms']:.2f}" if engine == "PostgreSQL" else ""
        ratio = (
            f"{row['rps'] / ceiling_row['rps'] * 100:.0f} %"
            if ceiling_row and row["target"].startswith("okta-connector")
            else ""
        )
        lines.append(
            f"| {row['target']} | {row['requests']} | {row['rps']:.0f} | {row['p50']:.1f} | "
            f"{row['p95']:.1f} | {row['p99']:.1f} | {row['errors']} | "
            f"{' '.join(f'{k}:{v}' for k, v in row['statuses'].items())} | {ratio} | "
            f"{row['cpu_ms']:.2f} | {postgres_ms} |"
        )
    peer_row = by.get("scim2-server peer (1 worker)")
    if peer_row:
        lines.append("")
        for label in ("okta-connector, SQLite", "okta-connector, SQLite, 1 worker"):
            if label in by:
                ratio = by[label]["rps"] / peer_row["rps"]
                lines.append(f"{label} / scim2-server peer: {ratio:.2f}x  ")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40, help="new users per client")
    parser.add_argument("--seconds", type=float, default=60, help="time bound per target")
    parser.add_argument("--only", default="", help='targets whose label holds one of "a,b"')
    args = parser.parse_args()
    print(table(run(args.users, args.seconds, args.only)))
