"""A SCIM write on PostgreSQL runs in psycopg's pipeline mode (wizard/db.py
``_pipelined_transaction``): writes nobody reads are sent without waiting for their
answers. What must not change with it: all or nothing, a failed statement raised as
Peewee's error wherever its answer arrives, the connection back in the pool idle, and a
write inside another transaction still that transaction's part."""

import threading
import time

import peewee as pw
import psycopg
import pytest

from tests.conftest import issue_scim_client, migrated_app, pooled
from wizard import db as db_module
from wizard.db import database, write_transaction
from wizard.domain import audit
from wizard.domain.organizations import create_organization
from wizard.models import AuditEvent, Group, Member, utcnow
from wizard.prepared import insert_new
from wizard.scim import request_log


@pytest.fixture
def app(tmp_path, postgres_schema_url):
    app = migrated_app(tmp_path, pooled(postgres_schema_url))
    yield app
    with app.app_context():
        database.obj.close_all()


@pytest.fixture
def org(app):
    with app.app_context(), database.connection_context():
        yield create_organization("Acme", "acme", enterprise_enabled=True)


def member_row(org, name: str) -> dict:
    now = utcnow()
    return {
        "organization": org, "email": name, "email_key": name, "user_name": name,
        "user_name_key": name, "created_at": now, "updated_at": now,
    }  # fmt: skip


def record(org, action: str) -> None:
    """An audit event, as SCIM writes record it: an INSERT whose answer nobody reads."""
    audit.record(action, organization=org, actor_label="Okta")


def take_email_of(other: Member, name: str) -> None:
    """An UPDATE whose answer nobody reads and which fails: another member has that email."""
    Member.update(email_key=name).where(Member.id == other.id).execute()


def events(*actions: str) -> int:
    return AuditEvent.select().where(AuditEvent.action.in_(actions)).count()


def idle() -> bool:
    status = database.connection().info.transaction_status
    return status == psycopg.pq.TransactionStatus.IDLE


def unanswered() -> bool:
    """Whether statements sent in this pipeline still wait to have their answers read."""
    return bool(database.connection()._pipeline.result_queue)


def in_pipeline() -> bool:
    return database.connection().info.pipeline_status != psycopg.pq.PipelineStatus.OFF


def test_the_writes_are_pipelined_and_committed_together(org):
    with write_transaction(org, pipelined=True):
        assert in_pipeline()
        ada = Member.create(**member_row(org, "ada@acme.example.com"))  # reads its id
        record(org, "member.created")
        Member.update(title="Engineer").where(Member.id == ada.id).execute()
        assert unanswered()
    assert idle() and not in_pipeline()
    assert Member.get_by_id(ada.id).title == "Engineer"
    assert events("member.created") == 1


def test_an_error_in_a_write_nobody_read_fails_the_whole_transaction(org):
    """The duplicate's answer only arrives with the COMMIT: the error is still Peewee's
    IntegrityError (a SCIM 409, not a 500), nothing before it is kept, and the
    connection answers the next request."""
    Member.create(**member_row(org, "ada@acme.example.com"))
    other = Member.create(**member_row(org, "other@acme.example.com"))
    with pytest.raises(pw.IntegrityError), write_transaction(org, pipelined=True):
        record(org, "before")
        take_email_of(other, "ada@acme.example.com")
        record(org, "after")
        assert unanswered()
    assert idle() and not in_pipeline()
    assert events("before", "after") == 0
    assert Member.get_by_id(other.id).email_key == "other@acme.example.com"
    with write_transaction(org, pipelined=True):
        record(org, "next")
    assert events("next") == 1


def test_an_error_whose_answer_a_read_waits_for_is_peewees_too(org, caplog):
    """``Member.create`` reads the new id: the duplicate's error arrives there, inside the
    block, and still leaves as an IntegrityError with the block's work undone. Nothing is
    logged on the way out (psycopg would log the aborted statements' error, row values
    and all, if the pipeline were left with their answers unread)."""
    Member.create(**member_row(org, "ada@acme.example.com"))
    with pytest.raises(pw.IntegrityError), write_transaction(org, pipelined=True):
        record(org, "before")
        Member.create(**{**member_row(org, "ada@acme.example.com"), "email": "o@acme.example.com"})
    assert idle()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []
    assert events("before") == 0


def test_a_refusal_raised_after_queued_writes_keeps_none_of_them(org, caplog):
    """A rule's refusal (a Python exception) after writes whose answers have not come,
    one of them failing: none is kept, the refusal is what is raised, and nothing is
    logged (psycopg logs an error it finds while leaving a pipeline, row values and all)."""

    class Refused(Exception):
        pass

    Member.create(**member_row(org, "ada@acme.example.com"))
    other = Member.create(**member_row(org, "other@acme.example.com"))
    with pytest.raises(Refused), write_transaction(org, pipelined=True):
        record(org, "queued")
        Member.update(title="Engineer").where(Member.id == other.id).execute()
        take_email_of(other, "ada@acme.example.com")
        assert unanswered()
        raise Refused
    assert idle() and not in_pipeline()
    assert events("queued") == 0
    assert Member.get_by_id(other.id).title == ""
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []


def test_inside_another_transaction_it_is_that_transactions_part(org):
    """The connection self-test runs a SCIM write inside a transaction it rolls back: the
    write must neither commit the outer transaction nor survive its rollback."""
    with database.atomic() as outer:
        with write_transaction(org, pipelined=True):
            assert not in_pipeline()  # a savepoint of the outer transaction
            Member.create(**member_row(org, "ada@acme.example.com"))
        assert database.connection().info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        outer.rollback()
    assert Member.select().count() == 0


def test_a_nested_savepoint_inside_the_pipeline_keeps_its_writes(org):
    with write_transaction(org, pipelined=True):
        with database.atomic():
            Member.insert(**member_row(org, "ada@acme.example.com")).execute()
        record(org, "after the savepoint")
    assert Member.select().count() == 1
    assert events("after the savepoint") == 1


def waiting_for_a_lock(deadline: float) -> bool:
    """Whether another session of this database waits on a row lock, polled until
    ``deadline``."""
    while time.monotonic() < deadline:
        database.execute_sql("SELECT pg_stat_clear_snapshot()")  # else one per transaction
        waiting = database.execute_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
        if waiting:
            return True
    return False


def test_the_organization_lock_still_queues_a_second_writer(app, org):
    """The lock travels in the pipeline without waiting for its answer; the first read
    does wait, so a second writer of the organization reads only after the first commits."""
    second_read = []

    def second():
        with (
            app.app_context(),
            database.connection_context(),
            write_transaction(org.id, pipelined=True),
        ):
            second_read.append(Member.select().count())

    worker = threading.Thread(target=second)
    with write_transaction(org, pipelined=True):
        Member.select().count()  # the lock's answer has come
        Member.insert(**member_row(org, "ada@acme.example.com")).execute()
        worker.start()
        assert waiting_for_a_lock(time.monotonic() + 30)
    worker.join(timeout=30)
    assert second_read == [1]


def test_a_compiled_insert_learns_its_key_inside_the_pipeline(org):
    """``insert_new`` reads the RETURNING answer: in a pipeline the cursor has no
    description until that answer is read, so asking the cursor found no key (a SCIM
    group create answered 500 before this was fixed)."""
    with write_transaction(org, pipelined=True):
        ada = insert_new(Member(**member_row(org, "ada@acme.example.com")))
        record(org, "member.created")
    assert ada.id is not None
    assert Member.get_by_id(ada.id).user_name == "ada@acme.example.com"


def test_a_savepoint_that_catches_an_error_lets_the_transaction_go_on(org):
    """Peewee's ``get_or_create`` (a connection's part rows) and the account creation
    catch an IntegrityError inside a savepoint and carry on: in a pipeline the server
    ignores everything after an error until it is told to sync, so the savepoint's
    rollback must still come through."""
    Member.create(**member_row(org, "ada@acme.example.com"))
    with write_transaction(org, pipelined=True):
        try:
            with database.atomic():
                Member.create(**member_row(org, "ada@acme.example.com"))
        except pw.IntegrityError:
            pass
        record(org, "carried on")
    assert events("carried on") == 1
    assert idle()


@pytest.mark.parametrize(
    "read",
    [lambda c: c.fetchone(), lambda c: c.fetchall(), lambda c: c.fetchmany(5), lambda c: next(c)],
    ids=["fetchone", "fetchall", "fetchmany", "next"],
)
def test_every_way_of_reading_raises_an_earlier_failure_as_peewees(org, read):
    """Caught outside a savepoint, the error leaves the transaction failed, as without a
    pipeline (there: "current transaction is aborted" at the next statement)."""
    Member.create(**member_row(org, "ada@acme.example.com"))
    other = Member.create(**member_row(org, "other@acme.example.com"))
    with pytest.raises(pw.OperationalError), write_transaction(org, pipelined=True):
        take_email_of(other, "ada@acme.example.com")
        with pytest.raises(pw.IntegrityError):
            read(database.execute_sql("SELECT 1"))


def scim_caller(app):
    """``call(method, path, body)`` through the app's test client, with a SCIM token of a
    new organization."""
    with app.app_context(), database.connection_context():
        acme = create_organization("Acme", "acme", enterprise_enabled=True)
    scim = issue_scim_client(app, acme, "")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {scim.token}", "Content-Type": "application/scim+json"}

    def call(method: str, path: str, body: dict):
        return client.open(scim.base + path, method=method, json=body, headers=headers)

    return call


def user_body(name: str) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": name, "primary": True}],
    }


@pytest.mark.parametrize(("setting", "pipelined"), [(None, True), ("1", True), ("0", False)])
def test_the_setting_decides_whether_scim_writes_pipeline(
    tmp_path, postgres_schema_url, monkeypatch, setting, pipelined
):
    """``DATABASE_PIPELINE=0`` is for a proxy that cannot pass pipelined messages: a SCIM
    write then sends each statement on its own."""
    settings = {} if setting is None else {"DATABASE_PIPELINE": setting}
    app = migrated_app(tmp_path, pooled(postgres_schema_url), **settings)
    seen = []
    real = db_module.pipelined_transaction

    def watching(*args, **kwargs):
        seen.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(db_module, "pipelined_transaction", watching)
    call = scim_caller(app)
    created = call("POST", "/Users", user_body("ada@acme.example.com"))
    assert created.status_code == 201, created.text
    assert (len(seen) == 1) is pipelined
    request_log.flush(app)  # the request's log row, before the pool and the schema go
    with app.app_context():
        database.obj.close_all()


def test_a_group_removal_counts_the_rows_it_removed(app):
    """Found by the adversarial review: a pipelined DELETE's row count is -1, so removing
    a non-member bumped the group's version and audited ``removed: -1``. Only a real
    change is audited and versioned, with its true count."""
    call = scim_caller(app)

    def user(name):
        return call("POST", "/Users", user_body(name)).json["id"]

    def remove(group_id, user_id):
        operation = {"op": "remove", "path": f'members[value eq "{user_id}"]'}
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
        answered = call("PATCH", f"/Groups/{group_id}", {**body, "Operations": [operation]})
        assert answered.status_code == 200, answered.text

    ada, bob = user("ada@acme.example.com"), user("bob@acme.example.com")
    group = call("POST", "/Groups", {"displayName": "Eng", "members": [{"value": ada}]}).json
    remove(group["id"], bob)  # not a member: nothing changes
    remove(group["id"], ada)
    request_log.flush(app)
    with app.app_context(), database.connection_context():
        changes = [
            event.details
            for event in AuditEvent.select()
            .where(AuditEvent.action == "group.members_changed")
            .order_by(AuditEvent.id)
        ]
        version = Group.get(Group.scim_id == group["id"]).version
    assert changes == [{"added": 1, "removed": 0}, {"added": 0, "removed": 1}]
    assert version == 3
