"""Every benchmark in one run, printed as Markdown tables (``make bench``).

Benchmarks print figures and never fail: a missed target is reported, not raised.
Loopback only; every load is bounded in requests and seconds.
"""

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale
import scaling
import scim_mix
import sync_speed
import targets
from servers import engines, postgres_available


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024 // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    postgres = "not available"
    if postgres_available():
        postgres = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory} GiB; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {postgres}; CPU probe {cpu_probe_ms():.0f} ms"
    )


def cpu_probe_ms() -> float:
    """A fixed piece of pure Python (the best of five runs): machines of one kind here
    differ up to 2x in speed, so runs are compared with this beside them."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        total = 0
        for n in range(2_000_000):
            total += n
        best = min(best, time.process_time() - started)
    return best * 1000


def results(title: str, first_column: str, rows) -> None:
    """A section of ``(name, value)`` rows, each printed as soon as it is measured."""
    print(f"\n## {title}\n")
    print(f"| {first_column} | Result |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=60, help="Okta mix: new users per client")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="10x smaller, for a smoke run")
    parser.add_argument(
        "--million",
        type=int,
        default=1_000_000,
        help="members of the large PostgreSQL scale run (0: none; --quick: a tenth)",
    )
    parser.add_argument(
        "--skip", default="", help='sections left out, comma-separated: "mix,scaling,scale,sync"'
    )
    args = parser.parse_args()
    skip = {word.strip() for word in args.skip.split(",")}
    if args.quick:
        args.users, args.members, args.groups = 10, args.members // 10, args.groups // 10
        args.million //= 10
    available = engines()
    figures: dict = {}
    print(f"Machine: {machine()}\n")
    if "mix" not in skip:
        print("## SCIM throughput and latency (Okta mix, 8 clients)\n")
        mix = scim_mix.run(args.users, 60)
        figures["mix"] = {row["target"]: row for row in mix}
        print(scim_mix.table(mix))
    if "postgresql" in available and "scaling" not in skip:
        print("\n## Scaling out on PostgreSQL (Okta mix, 8 clients)\n")
        print(scaling.table(scaling.run(args.users, 60)))
    if "scale" not in skip:
        rows = (
            row
            for engine in available
            for row in scale.run(engine, args.members, args.groups, figures)
        )
        results(f"Scale ({args.members:,} members, {args.groups:,} groups)", "Measure", rows)
    if args.million and "postgresql" in available:
        figures["million"] = {}
        rows = scale.run("postgresql", args.million, args.groups, figures["million"])
        results(f"Scale ({args.million:,} members, PostgreSQL)", "Measure", rows)
    if "sync" not in skip:
        rows = (
            row
            for engine in available
            for row in sync_speed.run(engine, args.members, args.groups, figures)
        )
        results(f"Sync ({args.members:,} Okta users, {args.groups:,} groups)", "Sync", rows)
    print("\n## Against the targets (issue 19)\n")
    if (args.members, args.million) != (100_000, 1_000_000):
        print(
            f"Sizes differ from the targets' ({args.members:,} and {args.million:,} members, "
            "not 100,000 and 1,000,000): the verdicts below do not apply.\n"
        )
    print(targets.table(figures))


if __name__ == "__main__":
    main()
