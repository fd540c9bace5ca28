"""``member_tally`` (migration 026) always says what ``count(*)`` would: after single and
bulk creates, (de)activation, SCIM deletion, keep-local changes, a change of manager,
deletes and an organization's removal, on SQLite and PostgreSQL."""

import peewee as pw

from wizard import directory
from wizard.db import database
from wizard.domain import member_tally
from wizard.domain.organizations import create_organization
from wizard.domain.sources import Source
from wizard.models import Member, Organization

KEY = (Member.organization, Member.managed_by, Member.active, Member.scim_hidden, Member.keep_local)


def counted() -> dict:
    rows = Member.select(*KEY, pw.fn.COUNT(Member.id)).where(Member.organization.is_null(False))
    return {tuple(map(_plain, row[:-1])): row[-1] for row in rows.group_by(*KEY).tuples()}


def tallied() -> dict:
    rows = member_tally.MemberTally.select().where(member_tally.MemberTally.members != 0)
    return {
        tuple(
            map(_plain, (r.organization_id, r.managed_by, r.active, r.scim_hidden, r.keep_local))
        ): (r.members)
        for r in rows
    }


def _plain(value):
    return int(value) if isinstance(value, bool) else value


def profile(n: int) -> dict:
    email = f"user{n}@acme.example.com"
    return {"user_name": email, "email": email, "given_name": "U", "family_name": str(n)}


def test_the_tally_follows_every_change(any_db_app):
    with any_db_app.app_context(), database.connection_context():
        assert member_tally.tally_in_place()
        acme = create_organization("Acme", "acme", enterprise_enabled=True)
        globex = create_organization("Globex", "globex", enterprise_enabled=True)
        with database.atomic():
            made = [
                directory.create_member(acme, profile(n), managed_by=Source.SCIM, actor_label="t")
                for n in range(6)
            ]
            directory.create_members(
                globex,
                [(profile(n), {}) for n in range(40)],
                managed_by=Source.SYNC,
                actor_label="t",
            )
        assert tallied() == counted()
        directory.set_active(made[0], False, actor_label="t")
        directory.hide_member(made[1], actor_label="t")
        made[2].keep_local = True
        made[2].save()
        Member.update(managed_by=Source.LOCAL).where(Member.id == made[3].id).execute()
        Member.update(active=False).where(Member.organization == globex).execute()  # many rows
        made[4].delete_instance()
        assert tallied() == counted()
        assert member_tally.members(acme.id) == 5
        assert member_tally.members(acme.id, scim_visible=True) == 3  # hidden, kept local out
        assert member_tally.members(acme.id, managed_by=Source.SCIM, active=True) == 2
        assert member_tally.members(globex.id, active=True) == 0
        Organization.delete().where(Organization.id == globex.id).execute()  # members cascade
        assert tallied() == counted()
        assert member_tally.members(globex.id) == 0


def test_without_the_triggers_the_pages_count_rows(app, db):
    """A database missing a tally trigger answers None: the caller counts instead."""
    database.execute_sql("DROP TRIGGER member_tally_update")
    member_tally._IN_PLACE.clear()
    try:
        assert member_tally.members(1) is None
    finally:
        member_tally._IN_PLACE.clear()


def test_the_migration_counts_the_members_already_there(tmp_path):
    """A database with members, upgraded to 026: its tally holds them all."""
    from peewee_migrate import Router

    from tests.conftest import app_config
    from wizard import create_app
    from wizard.db import MIGRATIONS_DIR, upgrade

    create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'before.db'}"))
    with database.connection_context():
        Router(database.obj, migrate_dir=str(MIGRATIONS_DIR)).run("025_scim_auth_version")
        acme = create_organization("Acme", "acme", enterprise_enabled=True)
        for n in range(5):
            directory.create_member(acme, profile(n), managed_by=Source.SCIM, actor_label="t")
        Member.update(active=False).where(Member.id <= 2).execute()
        upgrade()
        member_tally._IN_PLACE.clear()
        assert tallied() == counted() and member_tally.members(acme.id) == 5
