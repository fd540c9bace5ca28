"""The gunicorn config we ship (gunicorn.conf.py), tested against real gunicorn processes:
a long SCIM filter reaches the app and gets our SCIM error, not the server's own page;
several workers counting rate limits in memory print a warning at start."""

import importlib.util

import pytest
import requests

from tests.servers import ROOT, AppProcess
from wizard.domain.connections import ensure_connection, issue_scim_token

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
WARNING = "RATE_LIMIT_STORAGE=memory://"


def served_env(app) -> dict:
    return {
        "APP_ENV": "development",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "ENCRYPTION_KEYS": ",".join(app.config["ENCRYPTION_KEYS"]),
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "SCHEDULER": "off",
    }


@pytest.fixture
def gunicorn(app, tmp_path):
    """Start ``AppProcess`` (gunicorn with the shipped config); stopped afterwards."""
    started = []

    def start(workers: int = 1, **env) -> AppProcess:
        process = AppProcess(
            {**served_env(app), **env}, tmp_path / f"gunicorn{len(started)}.log", workers
        )
        started.append(process)
        return process.wait_ready()

    yield start
    for process in started:
        process.stop()


def test_a_5000_character_filter_gets_our_scim_error(app, org, db, gunicorn):
    """gunicorn's default request line (4,094 bytes) answered this with its own
    plain-text 400 page; with the shipped config the app answers in SCIM JSON."""
    with app.app_context():
        connection = ensure_connection(org)
        _, token = issue_scim_token(connection)
    server = gunicorn()
    response = requests.get(
        f"{server.url}/scim/v2/{connection.scim_key}/Users",
        params={"filter": 'userName eq "' + "a" * 4986 + '"'},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 400, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/scim+json")
    error = response.json()
    assert error["schemas"] == [ERROR_SCHEMA] and error["scimType"] == "invalidFilter"
    assert "at most 2,000" in error["detail"]


def test_several_workers_with_memory_rate_limits_warn_at_start(gunicorn):
    log = gunicorn(workers=2).stop()
    assert WARNING in log and "2 workers" in log


def test_one_worker_does_not_warn(gunicorn):
    assert WARNING not in gunicorn(workers=1).stop()


def load_config():
    spec = importlib.util.spec_from_file_location(
        "shipped_gunicorn_conf", ROOT / "gunicorn.conf.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_shared_store_does_not_warn():
    config = load_config()
    assert config.rate_limit_warning(4, "redis://127.0.0.1:6379") is None
    assert config.rate_limit_warning(1, "memory://") is None
    assert config.limit_request_line == 8190
