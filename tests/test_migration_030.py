"""Migration 030 (the SCIM authentication choice): every connection row is kept and
starts at ``bearer``; the rollback drops the column and keeps the rows. On SQLite and,
in its lane, PostgreSQL."""

import pytest
from peewee_migrate import Router

from tests.conftest import app_config
from tests.test_scim_owners import insert_row
from wizard import create_app, models
from wizard.db import MIGRATIONS_DIR, database

MIGRATION = "030_scim_auth_choice"
NAMES = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))
ROWS = "SELECT id, organization_id, scim_key, status FROM okta_connection ORDER BY id"


@pytest.fixture(params=["sqlite", "postgresql"])
def before_030(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'before030.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    create_app(app_config(tmp_path, url))
    with database.connection_context():
        router = Router(database.obj, migrate_dir=str(MIGRATIONS_DIR))
        router.run(NAMES[NAMES.index(MIGRATION) - 1])
        yield router


def test_migration_030_keeps_every_connection_and_starts_at_bearer(before_030):
    router = before_030
    for slug in ("acme", "globex"):
        insert_row(models.Organization, name=slug.title(), slug=slug)
    organizations = [row[0] for row in database.execute_sql("SELECT id FROM organization")]
    for number, organization in enumerate(organizations):
        insert_row(
            models.OktaConnection,
            organization=organization,
            scim_key=f"key{number}",
            status="active",
        )
    before = database.execute_sql(ROWS).fetchall()
    router.run(MIGRATION)
    assert database.execute_sql(ROWS).fetchall() == before
    styles = database.execute_sql("SELECT scim_auth FROM okta_connection").fetchall()
    assert styles == [("bearer",), ("bearer",)]
    router.run_one(MIGRATION, router.migrator, fake=False, downgrade=True)
    assert "scim_auth" not in {c.name for c in database.get_columns("okta_connection")}
    assert database.execute_sql(ROWS).fetchall() == before
