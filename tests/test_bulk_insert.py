"""``insert_rows``: COPY on PostgreSQL writes exactly the rows ``insert_many`` writes
(JSON columns, NULLs, defaults, text COPY must escape); SQLite keeps ``insert_many``."""

import uuid

import pytest

from wizard.bulk_insert import insert_rows
from wizard.db import database
from wizard.domain.organizations import create_organization
from wizard.models import AuditEvent, Member, utcnow

PER_ROW = {"id", "email", "email_key", "user_name", "user_name_key", "okta_id", "scim_id"}
NOW = utcnow()  # one instant for every row: both paths must store it alike
AWKWARD = 'tab\there, new\nline, back\\slash, "quotes", \\N, ünïcode'


def member_row(organization, n: int, **extra) -> dict:
    email = f"copy{n}@acme.example.com"
    return {
        "organization": organization.id,
        "email": email,
        "email_key": email,
        "user_name": email,
        "user_name_key": email,
        "given_name": AWKWARD,
        "phone_numbers": [{"value": "+1 555", "type": "work", "note": AWKWARD}],
        "field_sources": {"email": "sync", "title": None},
        "external_id": None,  # NULL, not the string "None"
        "okta_id": f"00u{n}",
        "active": n % 2 == 0,
        "scim_id": f"scim-{n}",
        "created_at": NOW,
        "updated_at": NOW,
        **extra,
    }


def stored(table: str, where: str, value) -> dict:
    """A row as the database holds it (raw SQL: no field conversion on the way back)."""
    sql = f"SELECT * FROM {table} WHERE {where} = {database.obj.param}"
    cursor = database.execute_sql(sql, (value,))
    names = [column[0] for column in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    return {k: v for k, v in row.items() if k not in PER_ROW}


def test_copy_and_insert_many_store_the_same_member(any_db_app):
    """Every column of a member written by ``insert_rows`` equals the one ``insert_many``
    writes from the same values, defaults (version, role, keep_local...) included."""
    with any_db_app.app_context(), database.connection_context():
        acme = create_organization("Acme", "acme", enterprise_enabled=True)
        with database.atomic():
            insert_rows(Member, [member_row(acme, 1), member_row(acme, 3, title="Ops")])
            Member.insert_many([member_row(acme, 2), member_row(acme, 4, title="Ops")]).execute()
        copied = stored("member", "user_name_key", "copy1@acme.example.com")
        inserted = stored("member", "user_name_key", "copy2@acme.example.com")
        assert copied.keys() == inserted.keys()
        assert {**copied, "active": None} == {**inserted, "active": None}
        assert copied["active"] != inserted["active"]  # 1 is odd, 2 even: both values travel
        assert copied["external_id"] is None and copied["deactivated_at"] is None
        member = Member.get(Member.okta_id == "00u3")
        assert member.given_name == AWKWARD and member.title == "Ops"
        assert member.phone_numbers[0]["note"] == AWKWARD
        assert member.field_sources == {"email": "sync", "title": None}
        assert (member.version, member.session_version, member.role) == (1, 1, "")
        assert not member.keep_local and not member.is_staff and not member.scim_hidden


def test_copy_and_insert_many_store_the_same_audit_event(any_db_app):
    """Audit events: NULL actor, JSON details with awkward text, the same on both paths."""
    with any_db_app.app_context(), database.connection_context():
        acme = create_organization("Acme", "acme", enterprise_enabled=True)

        def event(target_id):
            return {
                "organization": acme.id, "actor": None, "actor_label": "okta-sync",
                "action": "member.created", "target_type": "member", "target_id": target_id,
                "details": {"user_name": AWKWARD, "via": "sync"}, "created_at": NOW,
            }  # fmt: skip

        insert_rows(AuditEvent, [event("1")])
        AuditEvent.insert_many([event("2")]).execute()
        copied = stored("audit_event", "target_id", "1")
        inserted = stored("audit_event", "target_id", "2")
        assert {**copied, "target_id": 0} == {**inserted, "target_id": 0}
        assert copied["actor_id"] is None and copied["ip"] == ""
        assert AuditEvent.get(AuditEvent.target_id == "1").details["user_name"] == AWKWARD


def test_a_text_field_given_another_type_is_converted_as_insert_many_does(any_db_app):
    """Text values skip the conversion call; anything else still gets it: a UUID target
    id is stored as its text (neither engine's driver takes a UUID for a text column
    as it is), on either path and engine."""
    with any_db_app.app_context(), database.connection_context():
        acme = create_organization("Acme", "acme", enterprise_enabled=True)

        def event(target_id, label):
            return {
                "organization": acme.id, "actor_label": label, "action": "member.created",
                "target_type": "member", "target_id": target_id, "details": {},
                "created_at": NOW,
            }  # fmt: skip

        target = uuid.UUID(int=7)
        insert_rows(AuditEvent, [event(target, "copied")])
        AuditEvent.insert_many([event(target, "inserted")]).execute()
        copied = stored("audit_event", "actor_label", "copied")
        inserted = stored("audit_event", "actor_label", "inserted")
        assert copied["target_id"] == inserted["target_id"] == str(target)


def test_an_unknown_field_writes_nothing(any_db_app):
    """A misspelt key is an error before any row is written, on either engine."""
    with any_db_app.app_context(), database.connection_context():
        acme = create_organization("Acme", "acme", enterprise_enabled=True)
        with pytest.raises(ValueError, match="no field"):
            insert_rows(Member, [member_row(acme, 1), member_row(acme, 2, titel="typo")])
        assert Member.select().where(Member.organization == acme).count() == 0


def test_no_rows_is_no_statement(any_db_app):
    with any_db_app.app_context(), database.connection_context():
        insert_rows(Member, [])
        assert Member.select().count() == 0
