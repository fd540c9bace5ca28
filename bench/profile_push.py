"""Where a large group push spends its time: one process (Flask's test client), a fresh
database seeded in bulk, one SCIM ``PATCH /Groups/{id}`` adding 5,000 members; its time,
every SQL statement with its own time (slowest first), and optionally pyinstrument's tree.

Run: ``python bench/profile_push.py [--members 100000] [--engine postgresql] [--profile]``.
"""

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from profile_team import StatementTimes
from seed import seed
from servers import fresh_database, pooled, prepare_product, product_env

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def main(engine: str, members: int, size: int, repeat: int, profile: bool) -> None:
    from wizard import create_app
    from wizard.db import database
    from wizard.models import Member

    with fresh_database(engine) as url:
        env = product_env(pooled(url))
        key, token, organization_id = prepare_product(env, url)
        app = create_app({**env, "INSTANCE_PATH": tempfile.mkdtemp(prefix="okc-push-")})
        with app.app_context(), database.connection_context():
            print(seed(organization_id, members, 20))
            scim_ids = [s for (s,) in Member.select(Member.scim_id).tuples()]
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
        base = f"https://connector.example.com/scim/v2/{key}"
        rng = random.Random(5)
        for run in range(repeat + 1):
            group = client.post(
                f"{base}/Groups", headers=headers, data=json.dumps({"displayName": f"G{run}"})
            ).json
            added = [{"value": i} for i in rng.sample(scim_ids, size)]
            body = {"schemas": [PATCH_SCHEMA], "Operations": [
                {"op": "add", "path": "members", "value": added}]}  # fmt: skip
            profiler = None
            if profile and run == repeat:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
            with StatementTimes(database.obj) as statements:
                started = time.perf_counter()
                response = client.patch(
                    f"{base}/Groups/{group['id']}", headers=headers, data=json.dumps(body)
                )
                elapsed = (time.perf_counter() - started) * 1000
            if profiler:
                profiler.stop()
            assert response.status_code == 200, response.text[:300]
            if run == 0:
                continue  # warm-up
            total_sql = sum(s for s, _ in statements.seen) * 1000
            print(f"push {run}: {elapsed:.0f} ms; {len(statements.seen)} statements, "
                  f"{total_sql:.0f} ms in SQL")  # fmt: skip
        for seconds, sql in sorted(statements.seen, reverse=True)[:10]:
            print(f"  {seconds * 1000:7.2f} ms  {' '.join(sql.split())[:150]}")
        if profiler:
            print(profiler.output_text(unicode=False, color=False))
        from wizard.scim import request_log

        request_log.flush(app)  # before the schema goes


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=5_000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    main(args.engine, args.members, args.size, args.repeat, args.profile)
