"""Seed an organization in bulk (not through HTTP): N members, G groups, memberships,
a SCIM token and a local admin. Used by bench/scale.py; runnable alone:

    python bench/seed.py sqlite:////tmp/scale.db --members 100000 --groups 2000
"""

import argparse
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wizard.db import database
from wizard.models import Group, Member, Membership, utcnow

ADMIN_EMAIL = "admin@scale.example.com"
ADMIN_PASSWORD = "bench admin password"  # a throwaway bench database only
CHUNK = 500  # rows per INSERT: under SQLite's bound-parameter limit for Member's columns


def _chunks(rows, size=CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def member_rows(organization_id: int, count: int) -> list[dict]:
    base = utcnow() - timedelta(days=365)
    rows = []
    for n in range(count):
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
                "field_sources": "{}",
                "phone_numbers": "[]",
            }
        )
    return rows


def seed(organization_id: int, members: int, groups: int, per_group: int = 50) -> dict:
    """Insert members, groups and ``per_group`` memberships per group; returns timings."""
    started = time.perf_counter()
    rng = random.Random(7)
    with database.atomic():
        for chunk in _chunks(member_rows(organization_id, members)):
            Member.insert_many(chunk).execute()
    member_ids = [
        m
        for (m,) in Member.select(Member.id).where(Member.organization == organization_id).tuples()
    ]
    now = utcnow()
    with database.atomic():
        for chunk in _chunks(
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
            ]
        ):
            Group.insert_many(chunk).execute()
    group_ids = [
        g for (g,) in Group.select(Group.id).where(Group.organization == organization_id).tuples()
    ]
    memberships = [
        {"group": group_id, "member": member_id, "managed_by": "scim", "created_at": now}
        for group_id in group_ids
        for member_id in rng.sample(member_ids, min(per_group, len(member_ids)))
    ]
    with database.atomic():
        for chunk in _chunks(memberships, 1000):
            Membership.insert_many(chunk).execute()
    # A bulk load leaves the planner's statistics behind; autovacuum (PostgreSQL) or
    # ``PRAGMA optimize`` would catch up in production.
    database.execute_sql("ANALYZE")
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

    app = create_app({**env, "INSTANCE_PATH": str(Path(args.database_url).parent)})
    with app.app_context(), database.connection_context():
        print(seed(organization_id, args.members, args.groups))
    print(f"SCIM key {key}")


if __name__ == "__main__":
    main()
