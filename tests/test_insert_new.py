"""``prepared.insert_new``: the compiled INSERT a SCIM create stores a member with stores
what ``Model.create`` would, on both engines, and never repeats a generated value."""

import pytest

from wizard.db import database
from wizard.domain.organizations import create_organization
from wizard.models import Group, Member, utcnow
from wizard.prepared import insert_new

STORED = ("email", "user_name", "title", "active", "field_sources", "created_at", "version")


def columns(member: Member) -> dict:
    stored = Member.get_by_id(member.id)
    return {name: getattr(stored, name) for name in STORED}


def test_a_compiled_insert_stores_what_create_would(any_db_app):
    with any_db_app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        now = utcnow()

        def row(name: str) -> dict:
            return {
                "organization": org, "email": name, "email_key": name, "user_name": name,
                "user_name_key": name, "title": "Engineer", "active": False,
                "field_sources": {"title": "scim"}, "created_at": now, "updated_at": now,
            }  # fmt: skip

        created = Member.create(**row("a@acme.example.com"))
        first = insert_new(Member(**row("b@acme.example.com")))
        second = insert_new(Member(**row("c@acme.example.com")))
        assert len({created.id, first.id, second.id}) == 3
        assert len({created.scim_id, first.scim_id, second.scim_id}) == 3  # a default per row
        twin = {
            **columns(created),
            "email": "b@acme.example.com",
            "user_name": "b@acme.example.com",
        }
        assert columns(first) == twin
        assert Member.get_by_id(second.id).scim_id == second.scim_id
        assert not first.is_dirty()


def test_a_group_insert_keeps_the_database_default_for_what_it_leaves_out(any_db_app):
    """A column the row holds no value for is left to the database, as save() leaves it."""
    with any_db_app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        group = Group(organization=org, display_name="Engineers", name_key="engineers")
        assert "external_id" not in group.__data__  # nullable, no default: never given
        insert_new(group)
        assert Group.get_by_id(group.id).external_id is None


def test_a_row_whose_defaults_were_not_filled_is_refused_every_time(any_db_app):
    """Peewee would evaluate such a row's defaults once, when the INSERT is compiled:
    each later row would repeat them (the same scim_id). Refused on every call."""
    with any_db_app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        for n in (1, 2):
            bare = Group(__no_default__=True, organization=org, display_name=f"G{n}",
                         name_key=f"g{n}", managed_by="local", version=1)  # fmt: skip
            with pytest.raises(ValueError, match="holds a value of its own"):
                insert_new(bare)
        assert Group.select().count() == 0


def test_a_row_that_names_its_own_key_is_refused(any_db_app):
    with any_db_app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        with pytest.raises(ValueError, match="insert_new makes the id"):
            insert_new(Group(id=4343, organization=org, display_name="G", name_key="g"))
