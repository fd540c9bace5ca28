"""Fixtures for Simulated Okta in the product (SIMULATED_OKTA on, as ``make run`` runs):
the app with the simulator mounted, a live server on a free 127.0.0.1 port, the demo
organization (the simulated people's employer) and the wiring an admin does by hand."""

import shutil

import pytest

from tests.conftest import LiveServer, app_config
from wizard import create_app
from wizard.config import SIMULATOR_PREFIX
from wizard.db import database
from wizard.domain import accounts, connections
from wizard.simulator import mounting
from wizard.simulator.world import PROVISIONING_APP, SIGN_IN_APP

__all__ = [
    "PROVISIONING_APP",
    "SIGN_IN_APP",
    "connect_scim",
    "demo",
    "sim_app",
    "sim_server",
    "world",
]


@pytest.fixture
def sim_app(tmp_path, migrated_sqlite_template):
    path = tmp_path / "app.db"
    shutil.copy(migrated_sqlite_template, path)
    yield create_app(app_config(tmp_path, f"sqlite:///{path}", SIMULATED_OKTA="1"))
    if not database.is_closed():
        database.close()


@pytest.fixture
def sim_server(sim_app):
    """The app on a live server; its public URL (and so the simulator's) is the server's."""
    server = LiveServer(sim_app).start()
    sim_app.config["PUBLIC_BASE_URL"] = server.url
    sim_app.config["SIMULATED_OKTA_URL"] = server.url + SIMULATOR_PREFIX
    server.okta_url = server.url + SIMULATOR_PREFIX
    yield server
    server.stop()


@pytest.fixture
def world(sim_app):
    return sim_app.extensions[mounting.EXTENSION]


@pytest.fixture
def demo(sim_app):
    """The demo organization and its EnterpriseAdmin, as ``flask demo`` makes them."""
    with sim_app.app_context(), database.connection_context():
        organization, admin, password = accounts.ensure_demo()
    organization.admin, organization.password = admin, password
    return organization


def connect_scim(app, organization, world, server) -> str:
    """What the visitor pastes: our SCIM endpoint and a fresh token into the simulated
    provisioning app. Returns the token."""
    with app.app_context(), database.connection_context():
        connection = connections.ensure_connection(organization)
        _, token = connections.issue_scim_token(connection)
        endpoint = connections.scim_endpoint(connection)
    assert endpoint.startswith(server.url)
    world.engine.settings.update({"base_url": endpoint, "token": token})
    return token
