"""Seed an organization in bulk (not through HTTP): N members, G groups, memberships,
a SCIM token and a local admin. Used by bench/scale.py; runnable alone:

    python bench/seed.py sqlite:////tmp/scale.db --members 100000 --groups 2000
"""

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wizard.db import database, is_sqlite
from wizard.models import Group, Member, Membership, utcnow

ADMIN_EMAIL = "admin@scale.example.com"
ADMIN_PASSWORD = "bench admin password"  # a throwaway bench database only
CHUNK = 500  # rows per INSERT: under SQLite's bound-parameter limit for Member's columns


def _chunks(rows, size=CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def member_rows(organization_id: int, count: int, first: int = 0) -> list[dict]:
    base = utcnow() - timedelta(days=365)
    rows = []
    for n in range(first, first + count):
        email = f"user{n:06d}@scale.example.com"
        rows.append(
            {
                "organization": organization_id,
                "email": email,
                "email_key": email,
                "user_name": email,
                "user_name_key": email,
                "given_name": f"Given{n}",
                "family_name": f"Family{n}",
                "display_name": f"Given{n} Family{n}",
                "title": "Engineer",
                "managed_by": "scim",
                "active": n % 10 != 0,
                "scim_id": str(uuid.uuid4()),
                "created_at": base + timedelta(seconds=n * 30),
                "updated_at": base + timedelta(seconds=n * 30),
                "field_sources": {},
                "phone_numbers": [],
            }
        )
    return rows


def copy_rows(model, rows: list[dict]) -> None:
    """PostgreSQL's ``COPY ... FROM STDIN`` (psycopg's ``copy``): a million members in a
    fraction of what INSERTs take. Values go through each field's ``db_value``."""
    if not rows:
        return
    # COPY leaves out nothing: the model's defaults are Python's, not the table's.
    defaults = model._meta.get_default_dict()
    names = [n for n in {**defaults, **rows[0]} if n != model._meta.primary_key.name]
    fields = [model._meta.fields[name] for name in names]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    cursor = database.cursor()
    with cursor.copy(f'COPY "{model._meta.table_name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            full = {**defaults, **row}
            copy.write_row([f.db_value(full[n]) for n, f in zip(names, fields, strict=True)])


def insert_rows(model, rows: list[dict], chunk: int = CHUNK) -> None:
    if is_sqlite():
        for part in _chunks(rows, chunk):
            model.insert_many(part).execute()
    else:
        copy_rows(model, rows)


def seed(organization_id: int, members: int, groups: int, per_group: int = 50) -> dict:
    """Insert members, groups and ``per_group`` memberships per group; returns timings.
    Members are made a batch at a time, so memory stays flat at a million."""
    started = time.perf_counter()
    rng = random.Random(7)
    with database.atomic():
        for first in range(0, members, 50_000):
            batch = member_rows(organization_id, min(50_000, members - first), first)
            insert_rows(Member, batch)
    member_ids = [
        m
        for (m,) in Member.select(Member.id).where(Member.organization == organization_id).tuples()
    ]
    now = utcnow()
    with database.atomic():
        insert_rows(
            Group,
            [
                {
                    "organization": organization_id,
                    "display_name": f"Group {n:04d}",
                    "name_key": f"group {n:04d}",
                    "managed_by": "scim",
                    "scim_id": str(uuid.uuid4()),
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(groups)
            ],
        )
    group_ids = [
        g for (g,) in Group.select(Group.id).where(Group.organization == organization_id).tuples()
    ]
    memberships = [
        {"group": group_id, "member": member_id, "managed_by": "scim", "created_at": now}
        for group_id in group_ids
        for member_id in rng.sample(member_ids, min(per_group, len(member_ids)))
    ]
    with database.atomic():
        insert_rows(Membership, memberships, 1000)
    # A bulk load leaves the planner's statistics and PostgreSQL's visibility map behind;
    # autovacuum (or ``PRAGMA optimize`` on SQLite) catches up in production.
    database.execute_sql("ANALYZE" if is_sqlite() else "VACUUM ANALYZE")
    return {
        "members": members,
        "groups": groups,
        "memberships": len(memberships),
        "seconds": time.perf_counter() - started,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    args = parser.parse_args()
    from servers import prepare_product, product_env

    env = product_env(args.database_url)
    key, _token, organization_id = prepare_product(env, args.database_url)
    from wizard import create_app

    app = create_app({**env, "INSTANCE_PATH": tempfile.mkdtemp(prefix="okc-seed-")})
    with app.app_context(), database.connection_context():
        print(seed(organization_id, args.members, args.groups))
    print(f"SCIM key {key}")


if __name__ == "__main__":
    main()
