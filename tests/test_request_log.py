"""The SCIM request log is written in batches off the request path
(wizard/scim/log_writer.py): no row is lost on a normal stop, a full queue slows
requests instead of dropping rows, and one bad row never takes a batch with it."""

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import LiveServer, ScimClient, app_config
from tests.query_counter import statements
from tests.servers import ROOT, AppProcess
from wizard import create_app
from wizard.db import database, upgrade
from wizard.domain.connections import ensure_connection, issue_scim_token
from wizard.domain.organizations import create_organization
from wizard.models import ScimEvent
from wizard.scim import request_log
from wizard.scim.log_writer import BatchWriter


def logged(app) -> list[tuple]:
    with app.app_context(), database.connection_context():
        return list(ScimEvent.select(ScimEvent.method, ScimEvent.status).tuples())


def wait_for(condition, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)  # polling another thread's (or process's) write, bounded above
    return False


def test_a_scim_request_writes_no_log_row_itself(app, scim, db):
    """The request's own statements hold no INSERT into the request log: the row is
    queued and written by the background writer within the flush interval."""
    with statements() as seen:
        assert scim.get("/Users").status_code == 200
    assert not [sql for sql in seen if "scim_event" in sql and sql.startswith("INSERT")]
    assert wait_for(lambda: ScimEvent.select().count() == 1), "the writer never wrote the row"


def test_a_full_queue_is_written_by_the_request_that_fills_it(tmp_path):
    """With the writer's interval far away, rows wait in the queue until it holds
    SCIM_LOG_MAX_ROWS; the request that fills it writes them all before answering."""
    app, base, token = served_app(tmp_path, SCIM_LOG_FLUSH_MS=600_000, SCIM_LOG_MAX_ROWS=3)
    server = LiveServer(app).start()
    try:
        client = ScimClient(server.url + base, token)
        for _ in range(2):
            assert client.get("/Users").status_code == 200
        assert logged(app) == [], "rows were written before the queue was full"
        assert client.get("/Groups").status_code == 200
        assert logged(app) == [("GET", 200)] * 3
    finally:
        server.stop()


def test_a_row_the_database_refuses_does_not_take_the_batch(app, db):
    """A row naming a row that no longer exists (a token deleted meanwhile) is counted as
    dropped; the other rows of its batch are written."""
    organization = create_organization("Acme", "acme", seat_limit=None, enterprise_enabled=True)
    connection = ensure_connection(organization)
    writer = BatchWriter(database.obj, request_log.writer(app).insert_sql, flush_ms=600_000)
    good = (organization.id, connection.id, None, "GET", "/x", "", 200, 1.0, "", True, "", "")
    gone = (organization.id, connection.id + 999, None, "GET", "/y", "", 200, 1.0, "", 1, "", "")
    for row in (good, gone, good):
        writer.add((*row, "", "", "2026-01-01 00:00:00"))
    assert writer.flush() == 2 and writer.dropped == 1
    assert ScimEvent.select().where(ScimEvent.path == "/x").count() == 2


def test_an_unsafe_flush_setting_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="SCIM_LOG_FLUSH_MS must be a whole number, at least 1"):
        create_app(app_config(tmp_path, "sqlite:///" + str(tmp_path / "x.db"), SCIM_LOG_FLUSH_MS=0))


def served_app(tmp_path, **settings):
    """A migrated SQLite app with an organization and a SCIM token: (app, base path, token)."""
    app = create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'log.db'}", **settings))
    with app.app_context(), database.connection_context():
        upgrade()
        organization = create_organization("Acme", "acme", seat_limit=None, enterprise_enabled=True)
        connection = ensure_connection(organization)
        _, token = issue_scim_token(connection)
    return app, f"/scim/v2/{connection.scim_key}", token


def production_env(app) -> dict:
    return {
        "APP_ENV": "production",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "ENCRYPTION_KEYS": ",".join(app.config["ENCRYPTION_KEYS"]),
        "PUBLIC_BASE_URL": "https://connector.example.com",
        "SCHEDULER": "off",
        # Ten minutes: only the stop can have written the rows.
        "SCIM_LOG_FLUSH_MS": "600000",
    }


def test_gunicorn_stopped_by_sigterm_writes_the_queued_rows(tmp_path):
    """gunicorn's graceful stop (SIGTERM to the master, then to each worker) ends the
    worker normally: the queued rows are written before it exits."""
    app, base, token = served_app(tmp_path)
    server = AppProcess(production_env(app), tmp_path / "gunicorn.log", workers=1).wait_ready()
    try:
        client = ScimClient(server.url + base, token)
        assert [client.get("/Users").status_code for _ in range(5)] == [200] * 5
        assert logged(app) == []
    finally:
        output = server.stop()  # SIGTERM
    assert server.process.returncode == 0, output
    assert logged(app) == [("GET", 200)] * 5


SERVE = """
import sys
from werkzeug.serving import make_server
from wizard import create_app
server = make_server("127.0.0.1", 0, create_app(), threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


def test_a_plain_server_stopped_by_sigterm_writes_the_queued_rows(tmp_path):
    """A server that leaves SIGTERM alone (``flask run``, werkzeug) would end without
    running exit handlers: the writer's own handler writes the queue, then ends the
    process as SIGTERM does."""
    app, base, token = served_app(tmp_path)
    env = {"PATH": os.environ.get("PATH", "/usr/bin"), **production_env(app)}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(process.stdout.readline())
        client = ScimClient(f"http://127.0.0.1:{port}{base}", token)
        assert [client.get("/Users").status_code for _ in range(3)] == [200] * 3
        assert logged(app) == []
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == -signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
        process.stdout.close()
    assert logged(app) == [("GET", 200)] * 3
