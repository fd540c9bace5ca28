"""Scaling out on PostgreSQL: the Okta mix (bench/scim_mix.py, 8 clients) against
okta-connector with 1, 2 and 4 gunicorn workers, two gunicorn processes on two ports,
and one big tenant against many: 8 clients writing to one organization (whose writes
take its per-organization lock one at a time) or to 8 organizations.

Each worker runs 4 threads and a pool of up to 6 connections. Server CPU per request
is what the gunicorn processes spent, and the PostgreSQL backends are counted as
connections (``pg_stat_activity``) at the end of the load.

Run: ``python bench/scaling.py [--users 60] [--seconds 60]``.
"""

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scim_mix import CLIENTS, figures, measure
from servers import (
    POSTGRES_URL,
    Gunicorn,
    fresh_database,
    pooled,
    postgres_available,
    prepare_product,
    product_env,
)

# (label, gunicorn processes, workers each, tenants)
LAYOUTS = [
    ("1 worker, 1 tenant", 1, 1, 1),
    ("2 workers, 1 tenant", 1, 2, 1),
    ("4 workers, 1 tenant", 1, 4, 1),
    ("2 processes x 2 workers (two ports), 1 tenant", 2, 2, 1),
    ("4 workers, 8 tenants (one per client)", 1, 4, CLIENTS),
]


def backends(application_name: str) -> int:
    """The server's connections opened under this run's application name."""
    import psycopg

    with psycopg.connect(POSTGRES_URL) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            (application_name,),
        ).fetchone()
    return count


def run_layout(processes: int, workers: int, tenants: int, users: int, seconds: float) -> dict:
    with fresh_database("postgresql") as url, ExitStack() as stack:
        name = f"okc-bench-{url.rsplit('%3D', 1)[1]}"  # the schema's name
        env = product_env(pooled(f"{url}&application_name={name}"))
        tenants_made = [prepare_product(env, url) for _ in range(tenants)]
        servers = []
        for _ in range(processes):
            server = Gunicorn("app:app", env, workers=workers).wait_ready()
            stack.callback(server.stop)
            servers.append(server)
        # Client i: server i mod processes, tenant i mod tenants.
        spread = [
            (
                f"{servers[i % processes].url}/scim/v2/{tenants_made[i % tenants][0]}",
                {"Authorization": f"Bearer {tenants_made[i % tenants][1]}"},
            )
            for i in range(CLIENTS)
        ]
        pids = [pid for s in servers for pid in (s.process.pid, *s.worker_pids())]
        stats = measure(spread[0][0], spread[0][1], users, seconds, pids, spread)
        connections = backends(name)
    return {**figures(stats), "connections": connections}


def run(users: int, seconds: float) -> list[tuple[str, dict]]:
    if not postgres_available():
        return []
    rows = []
    for label, processes, workers, tenants in LAYOUTS:
        rows.append((label, run_layout(processes, workers, tenants, users, seconds)))
        print(f"  measured {label}: {rows[-1][1]['rps']:.0f} req/s", file=sys.stderr, flush=True)
    return rows


def table(rows: list[tuple[str, dict]]) -> str:
    if not rows:
        return "PostgreSQL not available: no scaling figures."
    base = rows[0][1]["rps"]
    lines = [
        "| Layout | Requests | req/s | vs 1 worker | p50 ms | p99 ms | 5xx "
        "| server CPU ms/req | PostgreSQL connections |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, row in rows:
        lines.append(
            f"| {label} | {row['requests']} | {row['rps']:.0f} | {row['rps'] / base:.2f}x | "
            f"{row['p50']:.1f} | {row['p99']:.1f} | {row['errors']} | {row['cpu_ms']:.2f} | "
            f"{row['connections']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=60, help="new users per client")
    parser.add_argument("--seconds", type=float, default=60, help="time bound per layout")
    args = parser.parse_args()
    print(table(run(args.users, args.seconds)))
