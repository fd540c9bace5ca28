"""Where a Team > Users page spends its time: one process (Flask's test client), a fresh
database seeded in bulk, signed in as the admin; for the first page, the last page and a
search, the page's time and every SQL statement it ran with its own time, slowest first.

Run: ``python bench/profile_team.py [--members 100000] [--engine postgresql] [--profile]``.
"""

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seed import ADMIN_EMAIL, ADMIN_PASSWORD, seed
from servers import fresh_database, pooled, prepare_product, product_env

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class StatementTimes:
    """Wraps the database's ``execute_sql``: each statement's text and seconds."""

    def __init__(self, db):
        self.db, self.original, self.seen = db, db.execute_sql, []

    def __enter__(self):
        def timed(sql, params=None, *args, **kwargs):
            started = time.perf_counter()
            try:
                return self.original(sql, params, *args, **kwargs)
            finally:
                self.seen.append((time.perf_counter() - started, sql))

        self.db.execute_sql = timed
        return self

    def __exit__(self, *exc):
        self.db.execute_sql = self.original


def main(engine: str, members: int, groups: int, repeat: int, profile: bool = False) -> None:
    from wizard import create_app
    from wizard.db import database
    from wizard.domain.accounts import create_local_admin
    from wizard.domain.roles import OrgRole
    from wizard.models import Organization

    with fresh_database(engine) as url:
        env = product_env(pooled(url))
        _key, _token, organization_id = prepare_product(env, url)
        app = create_app({**env, "INSTANCE_PATH": tempfile.mkdtemp(prefix="okc-team-")})
        with app.app_context(), database.connection_context():
            print(seed(organization_id, members, groups))
            organization = Organization.get_by_id(organization_id)
            create_local_admin(organization, ADMIN_EMAIL, ADMIN_PASSWORD, OrgRole.ENTERPRISE_ADMIN)
        client = app.test_client()
        https = {"base_url": "https://connector.example.com"}  # production's secure cookies
        form = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        form["csrf_token"] = CSRF.search(client.get("/login", **https).text)[1]
        referer = {"Referer": "https://connector.example.com/login"}  # CSRF's strict SSL check
        signed_in = client.post("/login", data=form, headers=referer, **https)
        assert signed_in.status_code in (302, 303), signed_in.text[:500]
        last = (members + 1 + 49) // 50
        pages = {
            "first": "/team/users",
            "last": f"/team/users?page={last}",
            "search": "/team/users?q=user09999",
        }
        for name, path in pages.items():
            times = []
            for _ in range(repeat):
                with StatementTimes(database.obj) as statements:
                    started = time.perf_counter()
                    response = client.get(path, **https)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            total_sql = sum(s for s, _ in statements.seen) * 1000
            print(
                f"\n{name}: min {min(times):.1f} ms, median {sorted(times)[repeat // 2]:.1f} ms; "
                f"last run {len(statements.seen)} statements, {total_sql:.1f} ms in SQL"
            )
            for seconds, sql in sorted(statements.seen, reverse=True)[:8]:
                print(f"  {seconds * 1000:7.2f} ms  {' '.join(sql.split())[:160]}")
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0002)
                with profiler:
                    for _ in range(repeat):
                        client.get(path, **https)
                print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="and pyinstrument's call tree")
    args = parser.parse_args()
    main(args.engine, args.members, args.groups, args.repeat, args.profile)
