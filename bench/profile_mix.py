"""Profile the Okta mix in one process (Flask's test client, SQLite, no network), with
pyinstrument: where a SCIM request spends its time. Prints the call tree.

Run: ``python bench/profile_mix.py [--batches 10] [--engine postgresql] [--no-profile]``
(``--no-profile``: only the CPU time per request, the figure to compare before/after on a
busy machine).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyinstrument import Profiler
from scim_mix import BATCH, new_user, patch
from servers import fresh_database, pooled, prepare_product, product_env

from wizard import create_app


def main(batches: int, engine: str = "sqlite", profile: bool = True) -> None:
    with fresh_database(engine) as url:
        run(url, batches, profile)


def run(url: str, batches: int, profile: bool) -> None:
    folder = tempfile.mkdtemp(prefix="okc-profile-")
    env = product_env(pooled(url))  # as production runs PostgreSQL: a pool, not a connect a request
    key, token, _ = prepare_product(env, url)
    client = create_app({**env, "INSTANCE_PATH": folder}).test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    base = f"/scim/v2/{key}"

    def send(method, path, body=None):
        data = None if body is None else json.dumps(body)
        return client.open(base + path, method=method, data=data, headers=headers)

    group = send("POST", "/Groups", {"displayName": "Profiled"}).json["id"]

    def batch(first: int) -> int:
        ids = []
        for n in range(first, first + BATCH):
            name = f"p{n}@bench.example.com"
            send("GET", f"/Users?filter=userName%20eq%20%22{name}%22")
            ids.append(send("POST", "/Users", new_user(name)).json["id"])
        for user_id in ids:
            send(
                "PATCH",
                f"/Users/{user_id}",
                patch({"op": "replace", "path": "title", "value": "E"}),
            )
        members = [{"value": user_id} for user_id in ids]
        send("PATCH", f"/Groups/{group}", patch({"op": "add", "path": "members", "value": members}))
        for user_id in ids:
            send("PATCH", f"/Users/{user_id}", patch({"op": "replace", "value": {"active": False}}))
        return 4 * BATCH + 1

    batch(10_000)  # warm up
    profiler = Profiler(interval=0.0005)
    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        profiler.start()
    requests = sum(batch(n * BATCH) for n in range(batches))
    if profile:
        profiler.stop()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{requests} requests in {elapsed:.2f} s: {elapsed / requests * 1000:.2f} ms each, "
        f"{cpu / requests * 1000:.2f} ms CPU each (this process: app and test client)"
    )
    if profile:
        print(profiler.output_text(unicode=False, color=False))
    from wizard.scim import request_log

    request_log.flush(client.application)  # before the database goes


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    main(args.batches, args.engine, not args.no_profile)
