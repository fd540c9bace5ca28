"""A password Okta pushes is never stored: not in the SCIM request log, not in a failed
migration's replayable request, not in any other row, not in the logs. Each shape Okta
(or a hostile client) can carry one in goes over real HTTP; then the whole SQLite file
is read back byte by byte after a WAL checkpoint."""

import importlib.util
import json
import logging
import sqlite3

import pytest

from tests.conftest import issue_scim_client
from wizard.db import MIGRATIONS_DIR, database
from wizard.domain.organizations import create_organization
from wizard.models import (
    FailedMigration,
    OktaConnection,
    Organization,
    ScimEvent,
    ScimHealth,
)
from wizard.scim import request_log

SECRET = "Pw-7c1f-distinctive-Zq93"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def new_user(user_name: str, **extra) -> dict:
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Pat", "familyName": "Doe"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        **extra,
    }


# (label, method, path below /Users, body, expected status); {id} is a provisioned user.
SHAPES = [
    ("POST password", "POST", "", new_user("p1@acme.example.com", password=SECRET), 201),
    ("POST PASSWORD", "POST", "", new_user("p2@acme.example.com", PASSWORD=SECRET), 201),
    ("POST URN-qualified", "POST", "",
     new_user("p3@acme.example.com", **{f"{USER_SCHEMA}:password": SECRET}), 201),
    ("POST under the core URN", "POST", "",
     new_user("p4@acme.example.com", **{USER_SCHEMA: {"password": SECRET}}), 201),
    ("POST under an extension URN", "POST", "",
     new_user("p5@acme.example.com", **{ENTERPRISE: {"Password": SECRET}}), 201),
    ("POST refused: no family name", "POST", "",
     {"userName": "p6@acme.example.com", "name": {"givenName": "P"}, "password": SECRET}, 400),
    ("POST refused: duplicate email", "POST", "",
     new_user("admin@acme.example.com", password=SECRET), 409),
    ("PUT Password", "PUT", "/{id}", new_user("target@acme.example.com", Password=SECRET), 200),
    ("PUT refused: duplicate email", "PUT", "/{id}",
     {**new_user("target@acme.example.com", password=SECRET),
      "emails": [{"value": "admin@acme.example.com", "primary": True}]}, 409),
    ("PATCH path password", "PATCH", "/{id}",
     [{"op": "replace", "path": "password", "value": SECRET}], 200),
    ("PATCH path PASSWORD, Op/Path/Value keys", "PATCH", "/{id}",
     [{"Op": "Replace", "Path": "PASSWORD", "Value": SECRET}], 200),
    ("PATCH path with the core URN", "PATCH", "/{id}",
     [{"op": "replace", "path": f"{USER_SCHEMA}:password", "value": SECRET}], 200),
    ("PATCH path the core URN, value object", "PATCH", "/{id}",
     [{"op": "replace", "path": USER_SCHEMA, "value": {"password": SECRET}}], 200),
    ("PATCH path-less value object", "PATCH", "/{id}",
     [{"op": "replace", "value": {"active": True, "password": SECRET}}], 200),
    ("PATCH path-less, URN-qualified key", "PATCH", "/{id}",
     [{"op": "replace", "value": {f"{USER_SCHEMA}:password": SECRET}}], 200),
    ("PATCH path-less, object under the URN", "PATCH", "/{id}",
     [{"op": "add", "value": {USER_SCHEMA: {"password": SECRET}}}], 200),
    ("PATCH value as a list", "PATCH", "/{id}",
     [{"op": "add", "path": "password", "value": [SECRET]}], 200),
    ("PATCH refused: password and a taken email", "PATCH", "/{id}",
     [{"op": "replace", "path": "password", "value": SECRET},
      {"op": "replace", "path": "emails", "value": [{"value": "admin@acme.example.com"}]}], 409),
    ("PATCH refused: path-less and a taken email", "PATCH", "/{id}",
     [{"op": "replace", "value": {"password": SECRET,
                                  "emails": [{"value": "admin@acme.example.com"}]}}], 409),
    ("PATCH invalid: Operations not a list", "PATCH", "/{id}",
     {"op": "replace", "path": "password", "value": SECRET}, 400),
]  # fmt: skip


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    return caplog


def send(scim, method: str, path: str, body, user_id: str):
    path = "/Users" + path.format(id=user_id)
    if method == "PATCH":
        if isinstance(body, dict):  # deliberately malformed: sent as it is
            return scim.request("PATCH", path, {"Operations": body})
        return scim.patch(path, body)
    return scim.request(method, path, body)


def database_bytes(app) -> bytes:
    """The SQLite file once the WAL was folded in and truncated (no request is running:
    idle pooled connections hold no snapshot), plus whatever WAL is left."""
    path = app.config["DATABASE_URL"].split(":///", 1)[1]
    connection = sqlite3.connect(path)
    busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    connection.close()
    assert busy == 0, "a reader kept the checkpoint from finishing"
    wal = f"{path}-wal"
    with open(path, "rb") as main:
        data = main.read()
    try:
        with open(wal, "rb") as log:
            data += log.read()
    except FileNotFoundError:
        pass
    return data


def test_a_pushed_password_is_never_stored_or_logged(app, scim, admin, db, logs):
    """Every shape: POST, PUT, PATCH by path (any case, URN-qualified), path-less value
    objects, objects under a schema URN, refusals that become failed migrations, a
    license-limit refusal and a refusal before any route (enterprise off)."""
    admin.keep_local = False  # owners start kept local; the duplicates need one Okta reaches
    admin.save()
    target = scim.create_user("target@acme.example.com")
    for label, method, path, body, status in SHAPES:
        response = send(scim, method, path, body, target["id"])
        assert response.status_code == status, f"{label}: {response.text}"
        assert SECRET not in response.text, label
    Organization.update(seat_limit=1).where(Organization.id == admin.organization_id).execute()
    full = scim.request("POST", "/Users", new_user("p7@acme.example.com", password=SECRET))
    assert full.status_code == 403, full.text
    gated_org = create_organization("Initech", "initech", seat_limit=5, enterprise_enabled=False)
    gated = issue_scim_client(app, gated_org, scim.base.split("/scim/")[0])
    refused = gated.request("POST", "/Users", new_user("p8@initech.example.com", password=SECRET))
    assert refused.status_code == 403, refused.text

    request_log.flush(app)
    reasons = {row.reason for row in FailedMigration.select()}
    assert {"invalid_data", "duplicate_email", "license_limit", "enterprise_disabled"} <= reasons
    assert ScimEvent.select().count() >= len(SHAPES)
    assert database_bytes(app).count(SECRET.encode()) == 0, "the password is in the database"
    logged = logs.text + "".join(f"{r.getMessage()} {r.args}" for r in logs.records)
    assert SECRET not in logged, "the password is in the logs"


def test_a_password_update_is_noticed_without_being_kept(scim, db):
    """The wizard still learns that Sync Password is on, from every update shape."""
    user = scim.create_user("noticed@acme.example.com")
    for operations in (
        [{"op": "replace", "path": f"{USER_SCHEMA}:password", "value": SECRET}],
        [{"op": "replace", "value": {f"{USER_SCHEMA}:PASSWORD": SECRET}}],
    ):
        ScimHealth.update(password_push_seen_at=None).execute()
        assert scim.patch(f"/Users/{user['id']}", operations).status_code == 200
        assert OktaConnection.get().scim_health.password_push_seen_at is not None, operations


def test_a_deeply_nested_refusal_is_recorded_not_a_500(scim, db):
    """Redaction walks a body as deep as the JSON parser allows without recursing: a
    refused create carrying a deep unknown attribute is a failed migration and a 400."""
    nested = '{"a":' * 900 + "1" + "}" * 900
    deep = f'{{"userName": "deep@acme.example.com", "password": "{SECRET}", "x": {nested}}}'
    response = scim.session.post(
        scim.base + "/Users",
        data=deep,
        headers={"Content-Type": "application/scim+json"},
        timeout=30,
    )
    assert response.status_code == 400, response.text
    row = FailedMigration.get(FailedMigration.reason == "invalid_data")
    stored = json.dumps(row.request)
    assert SECRET not in stored and stored.count('{"a":') == 900


def load_migration(stem: str):
    path = MIGRATIONS_DIR / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STORED_BY_THE_OLD_REDACTION = [
    {"Operations": [{"op": "replace", "path": "password", "value": SECRET}]},
    {"Operations": [{"op": "replace", "path": f"{USER_SCHEMA}:Password", "value": SECRET}]},
    {"Operations": [{"op": "replace", "value": {f"{USER_SCHEMA}:password": SECRET}}]},
    {"userName": "x@acme.example.com", f"{USER_SCHEMA}:password": SECRET},
]


def test_migration_016_scrubs_rows_already_stored(app, org, db):
    """Rows the old key-name redaction let through lose the password, every row stays,
    rows without a secret are untouched, and the old bytes are gone from the file."""
    from wizard.models import ScimEvent

    def event(body: str):
        return ScimEvent.create(organization=org, method="PATCH", path="/x", status=200, body=body)

    leaked = [
        event(json.dumps(body, separators=(",", ":"))) for body in STORED_BY_THE_OLD_REDACTION
    ]
    truncated = event(json.dumps(STORED_BY_THE_OLD_REDACTION[0])[:60] + "…(truncated)")
    plain = [event(""), event("(not JSON)"), event('{"userName":"title password"}')]
    failure = FailedMigration.create(
        organization=org, source="scim", operation="update", reason="duplicate_email",
        request={"method": "PATCH", "path": "/Users/1", "body": STORED_BY_THE_OLD_REDACTION[0]},
    )  # fmt: skip
    before = {e.id: e.body for e in ScimEvent.select()}
    assert database_bytes(app).count(SECRET.encode()) > 0

    scrub = load_migration("016_scrub_secrets_and_count_throttled").scrub_stored_secrets
    with database.atomic():
        changed = scrub(database.obj)

    after = {e.id: e.body for e in ScimEvent.select()}
    assert changed == len(leaked) + 2 and after.keys() == before.keys()
    assert all(SECRET not in body for body in after.values())
    assert all(after[e.id] == before[e.id] for e in plain)
    assert "removed by migration 016" in after[truncated.id]
    assert json.loads(after[leaked[0].id]) == {"Operations": []}
    assert json.loads(after[leaked[3].id]) == {"userName": "x@acme.example.com"}
    stored = FailedMigration.get_by_id(failure.id)
    assert stored.request == {"method": "PATCH", "path": "/Users/1", "body": {"Operations": []}}
    assert stored.reason == "duplicate_email"
    assert database_bytes(app).count(SECRET.encode()) == 0, "old bytes left in the file"


def test_migration_016_scrubs_on_either_database(any_db_app):
    """The same scrub on SQLite and, in the PostgreSQL lane, on PostgreSQL."""
    from wizard.models import ScimEvent

    with database.connection_context():
        org = create_organization("Acme", "acme", seat_limit=5, enterprise_enabled=True)
        bodies = [json.dumps(body) for body in STORED_BY_THE_OLD_REDACTION] + ["(not JSON)"]
        for body in bodies:
            ScimEvent.create(organization=org, method="PATCH", path="/x", status=200, body=body)
        scrub = load_migration("016_scrub_secrets_and_count_throttled").scrub_stored_secrets
        with database.atomic():
            assert scrub(database.obj) == len(STORED_BY_THE_OLD_REDACTION)
        stored = [e.body for e in ScimEvent.select().order_by(ScimEvent.id)]
    assert len(stored) == len(bodies) and stored[-1] == "(not JSON)"
    assert all(SECRET not in body for body in stored)
