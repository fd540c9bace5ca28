"""Shared fixtures: an app on a temporary SQLite file (or PostgreSQL), a client, a signed-in
admin, a live server on a free 127.0.0.1 port and Playwright driving Debian's chromium."""

import json
import logging
import os
import re
import secrets
import shutil
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from wizard import create_app
from wizard.db import database, upgrade
from wizard.domain.accounts import create_local_admin, create_staff
from wizard.domain.organizations import create_organization
from wizard.domain.roles import OrgRole
from wizard.scim import request_log

# Simulated Okta mounted in the app (tests/simulated_okta.py): sim_app, sim_server, world, demo.
pytest_plugins = ["tests.simulated_okta"]

PASSWORD = "correct horse battery staple"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


# --- the PostgreSQL lane ---------------------------------------------------------------


def _postgres_url() -> str | None:
    """TEST_DATABASE_URL, else the local server on 127.0.0.1:5432 when it answers."""
    url = os.environ.get("TEST_DATABASE_URL")
    candidates = [url] if url else [DEFAULT_PG_URL]
    for candidate in candidates:
        try:
            psycopg.connect(
                candidate.replace("postgresql://", "postgresql://", 1), connect_timeout=2
            ).close()
            return candidate
        except psycopg.Error:
            continue
    return None


POSTGRES_URL = _postgres_url()


def pytest_configure(config):
    # Hundreds of sign-ins each check five password hashes (a constant cost, whatever the
    # email matches): scrypt's cost factor 2**15 made that minutes of the suite. The same
    # code path with n=2**10; production keeps werkzeug's default.
    from wizard import security

    security.PASSWORD_METHOD = "scrypt:1024:8:1"


def pytest_report_header(config):
    if POSTGRES_URL:
        return f"postgresql lane: ON ({POSTGRES_URL})"
    return (
        "postgresql lane: SKIPPED - no server answers on 127.0.0.1:5432 "
        "and TEST_DATABASE_URL is not set"
    )


@pytest.fixture
def postgres_schema_url():
    """A database URL whose search_path is a fresh schema, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL lane off: no server on 127.0.0.1:5432 (set TEST_DATABASE_URL)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    if database.obj is not None and not database.is_closed():  # a test may never bind it
        database.close()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# --- the app ----------------------------------------------------------------------------


def app_config(tmp_path: Path, database_url: str, **extra) -> dict:
    return {
        "APP_ENV": "development",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "SCHEDULER": "off",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": False,  # tests that check limits turn them on
        "MAIL_BACKEND": "locmem",  # app.extensions["mailman"].outbox; None: no mail
        **extra,
    }


def pooled(url: str) -> str:
    """A PostgreSQL URL served through the pool, as production runs it."""
    return url.replace("postgresql://", "postgresql+pool://", 1)


def migrated_app(tmp_path: Path, database_url: str, **settings):
    """The app on ``database_url`` with every migration applied."""
    app = create_app(app_config(tmp_path, database_url, **settings))
    with app.app_context(), database.connection_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file per run; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(app_config(path.parent, f"sqlite:///{path}"))
    with app.app_context(), database.connection_context():
        upgrade()
    database.obj.close_all()  # every pooled connection: WAL folded into the file we copy
    return path


@pytest.fixture
def app(request, tmp_path, migrated_sqlite_template):
    # TEST_APP_DATABASE=postgresql runs the tests built on this fixture on PostgreSQL
    # instead (a fresh schema each): the production engine, for a change to the data layer.
    # A few tests are SQLite's own there (statement budgets that do not count the
    # organization lock, a second process writing the SQLite file) and fail.
    if os.environ.get("TEST_APP_DATABASE") == "postgresql":
        app = migrated_app(tmp_path, pooled(request.getfixturevalue("postgres_schema_url")))
    else:
        path = tmp_path / "app.db"
        shutil.copy(migrated_sqlite_template, path)
        # No app context is pushed here: requests must each get their own ``g``, as in
        # production. Tests that need one use ``app_context``.
        app = create_app(app_config(tmp_path, f"sqlite:///{path}"))
    yield app
    request_log.flush(app)  # this test's rows, into this test's database
    if not database.is_closed():
        database.close()
    if hasattr(database.obj, "close_all"):  # a pool's connections, before its schema goes
        database.obj.close_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_app(request, tmp_path):
    """The app on SQLite and, in the PostgreSQL lane, on PostgreSQL: for database tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    app = migrated_app(tmp_path, url)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """An open connection for tests that call domain functions directly."""
    with database.connection_context():
        yield database


# --- people -----------------------------------------------------------------------------


@pytest.fixture
def org(db):
    return create_organization("Acme", "acme", seat_limit=10, enterprise_enabled=True)


@pytest.fixture
def other_org(db):
    return create_organization("Globex", "globex", seat_limit=10, enterprise_enabled=True)


@pytest.fixture
def admin(org):
    return create_local_admin(org, "admin@acme.example.com", PASSWORD, OrgRole.ENTERPRISE_ADMIN)


@pytest.fixture
def staff(db):
    return create_staff("support@connector.example.com", PASSWORD)


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def enter_setup_link(client, url: str):
    """Open a setup link as its holder does: the page that names the organization and who
    lent the link, then Continue. Returns Continue's answer."""
    asked = client.get("/" + url.split("/", 3)[-1] if url.startswith("http") else url)
    assert asked.status_code == 200, asked.status_code
    return client.post("/setup/continue", data={"csrf_token": csrf_token(asked.text)})


class Auth:
    """``auth.login()`` signs the test client in through the real form, CSRF included."""

    def __init__(self, client):
        self.client = client

    def login(self, email="admin@acme.example.com", password=PASSWORD, next_url=None):
        page = self.client.get("/login")
        data = {"email": email, "password": password, "csrf_token": csrf_token(page.text)}
        if next_url is not None:
            data["next"] = next_url
        return self.client.post("/login", data=data)

    def post(self, url, data=None, **kwargs):
        """POST a form with the CSRF token taken from ``url``'s own page (or the account page)."""
        page = self.client.get(kwargs.pop("form_page", "/account"))
        return self.client.post(
            url, data={**(data or {}), "csrf_token": csrf_token(page.text)}, **kwargs
        )


@pytest.fixture
def auth(client):
    return Auth(client)


# --- a live server and a browser -------------------------------------------------------


def closing_responses(app):
    """werkzeug's development server skips the response's ``close()`` when the browser
    drops the connection while the server drains the request body (serving.py,
    ``execute``): a static file stays open and its ResourceWarning fails the run. The
    test server reads each (small, never streamed) response and closes it itself."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


class LiveServer:
    def __init__(self, app):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise
        self.server = make_server("127.0.0.1", 0, closing_responses(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1"  # replaced below with the real port
    server = LiveServer(app).start()
    app.config["PUBLIC_BASE_URL"] = server.url
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def screenshot(page):
    """``screenshot("name")`` saves the page under test-artifacts/ for the README."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


# --- SCIM over real HTTP ----------------------------------------------------------------


class ScimClient:
    """A requests session against the live server's SCIM base URL with a bearer token."""

    def __init__(self, base: str, token: str):
        import requests

        self.base, self.token = base, token
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/scim+json",
                "User-Agent": "Okta SCIM Client 1.0.0",
            }
        )

    def request(self, method: str, path: str, body=None, headers=None, **kwargs):
        data = None if body is None else json.dumps(body)
        merged = {"Content-Type": "application/scim+json; charset=utf-8", **(headers or {})}
        return self.session.request(
            method, self.base + path, data=data, headers=merged, timeout=30, **kwargs
        )

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body, **kwargs):
        return self.request("POST", path, body, **kwargs)

    def put(self, path, body, **kwargs):
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path, operations, **kwargs):
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        }
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def create_user(self, user_name, given="Test", family="User", **extra):
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"value": user_name, "type": "work", "primary": True}],
            "password": "placeholder-1x",
            "active": True,
            **extra,
        }
        response = self.post("/Users", body)
        assert response.status_code == 201, response.text
        return response.json()


def issue_scim_client(app, organization, base_url: str) -> ScimClient:
    from wizard.domain.connections import ensure_connection, issue_scim_token

    with app.app_context():
        connection = ensure_connection(organization)
        _, token = issue_scim_token(connection)
    return ScimClient(f"{base_url}/scim/v2/{connection.scim_key}", token)


@pytest.fixture
def scim(app, live_server, org):
    """SCIM client for Acme (enterprise on, 10 seats) against the live server."""
    return issue_scim_client(app, org, live_server.url)


# --- a stand-in OpenID discovery endpoint (the real provider comes with the SSO tests) --


def _discovery_app(environ, start_response):
    import time

    path = environ["PATH_INFO"]
    base = f"http://127.0.0.1:{environ['SERVER_PORT']}"
    prefix = path.removesuffix("/.well-known/openid-configuration")
    if not path.endswith("/.well-known/openid-configuration") or prefix == "/missing":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    if prefix == "/notjson":
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<html>login</html>"]
    if prefix == "/slow":
        time.sleep(2)
    issuer = "https://elsewhere.example.com" if prefix == "/mismatch" else base + prefix
    document = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/v1/authorize",
        "token_endpoint": f"{issuer}/v1/token",
        "jwks_uri": f"{issuer}/v1/keys",
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(document).encode()]


@pytest.fixture
def discovery_server():
    """``.url`` answers OpenID discovery; ``/missing``, ``/notjson``, ``/mismatch`` and
    ``/slow`` below it answer the ways a wrong domain does."""
    server = LiveServer(_discovery_app).start()
    yield server
    server.stop()


# --- a real DNS server on 127.0.0.1 ---------------------------------------------------------


@pytest.fixture
def dns_server(app):
    """dnslib's DNS server on a free 127.0.0.1 port, the app's resolver pointed at it
    (``DNS_RESOLVER``); ``dns_server.zone.set(name, "TXT", value)`` edits its answers."""
    from tests.fakes.dns_server import LocalDnsServer

    server = LocalDnsServer().start()
    app.config["DNS_RESOLVER"] = server.address
    yield server
    server.stop()


def verify_domain(organization, domain: str):
    """Test setup: ``organization`` holds ``domain`` verified, as an operator's
    ``domain verify --skip-dns`` leaves it (tests of the DNS proof use ``dns_server``)."""
    from wizard.domain import email_domain_verification as domain_verification
    from wizard.domain import email_domains as domains

    claim, _ = domains.claim(organization, domain)
    domain_verification.verify_without_dns(claim)
    return claim


# --- the Okta API emulator ----------------------------------------------------------------


@pytest.fixture
def okta():
    """An Okta management API emulator on 127.0.0.1 (``okta.url``)."""
    from tests.fakes.okta_api import OktaEmulator

    emulator = OktaEmulator()
    server = LiveServer(emulator).start()
    emulator.url = server.url
    yield emulator
    server.stop()


@pytest.fixture
def synced_org(app, org, okta, db):
    """Acme (no seat limit) with the Okta API on the emulator and the SCIM app picked."""
    from tests.fakes.okta_api import TOKEN
    from wizard.domain.connections import ensure_connection
    from wizard.models import SyncSettings
    from wizard.sync import api_connection

    org.seat_limit = None
    org.save()
    with app.app_context():
        connection = ensure_connection(org)
        api_connection.save_api_settings(connection, okta.url, TOKEN)
        SyncSettings.update(app_id="0oascim").execute()
    return org


def run_sync_now(app, organization, dry_run=False):
    """Queue, claim and run one sync in this process (what the scheduler does)."""
    from datetime import datetime

    from wizard.sync import jobs, runs

    with app.app_context():
        runs.queue(organization, "manual", dry_run=dry_run)
        return jobs.execute(runs.claim("test", datetime.utcnow()))
