"""What psycopg's pipeline mode would save a SCIM write on PostgreSQL: the statements of
one write (the organization lock, two UPDATEs, an INSERT, the answer's SELECT, COMMIT)
sent one by one, and the five after the lock sent in one pipeline. Prints milliseconds
per write. A temporary table, loopback only, a fixed number of writes.

Run: ``python bench/pipeline_probe.py [--writes 1000] [--rounds 3]``
"""

import argparse
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import POSTGRES_URL

SETUP = (
    "CREATE TEMP TABLE probe (id serial PRIMARY KEY, a int, b text)",
    "CREATE INDEX ON probe (a)",
    "INSERT INTO probe (a, b) SELECT n, 'x' FROM generate_series(0, 99) AS n",
)


LOCK = "SELECT id FROM probe WHERE id = 1 FOR UPDATE"


def after_lock(n: int) -> list[tuple[str, tuple]]:
    """The statements of write ``n`` that follow the lock, before its COMMIT; the last
    one's answer is read."""
    return [
        ("UPDATE probe SET b = 'y' WHERE a = %s", (n % 100,)),
        ("INSERT INTO probe (a, b) VALUES (%s, 'z')", (1000 + n,)),
        ("UPDATE probe SET b = 'w' WHERE a = %s", (n % 100,)),
        ("SELECT b FROM probe WHERE a = %s", (3,)),
    ]


def send(connection, n: int):
    """Write ``n``'s statements after the lock, and its COMMIT; the cursor of the last."""
    for sql, params in after_lock(n):
        cursor = connection.execute(sql, params)
    connection.commit()
    return cursor


def one_by_one(connection, writes: int) -> float:
    started = time.perf_counter()
    for n in range(writes):
        connection.execute(LOCK)
        send(connection, n).fetchone()
    return (time.perf_counter() - started) / writes * 1000


def pipelined(connection, writes: int) -> float:
    started = time.perf_counter()
    for n in range(writes):
        connection.execute(LOCK)
        with connection.pipeline():
            answer = send(connection, n)
        answer.fetchone()
    return (time.perf_counter() - started) / writes * 1000


def main(writes: int, rounds: int) -> None:
    with psycopg.connect(POSTGRES_URL, connect_timeout=2) as connection:
        for statement in SETUP:
            connection.execute(statement)
        connection.commit()
        print("| Round | one by one ms/write | pipelined ms/write | saved |")
        print("| ---: | ---: | ---: | ---: |")
        for n in range(1, rounds + 1):
            plain, piped = one_by_one(connection, writes), pipelined(connection, writes)
            print(f"| {n} | {plain:.3f} | {piped:.3f} | {plain - piped:+.3f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    main(args.writes, args.rounds)
