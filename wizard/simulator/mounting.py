"""Simulated Okta inside our development server (``SIMULATED_OKTA=1``, set by
``make run``): the org is loaded from the instance folder, Okta's servers answer below
``/simulated-okta`` (site.Mount) and the console pages are a blueprint there."""

from pathlib import Path

from flask import Flask, current_app

from ..config import SIMULATOR_PREFIX
from ..domain.accounts import DEMO_ADMIN_EMAIL
from . import store
from .site import Mount, Site
from .world import SimulatedOkta

EXTENSION = "simulated_okta"
DOMAIN = DEMO_ADMIN_EMAIL.partition("@")[2]  # the simulated people work for the demo


def init_app(app: Flask) -> None:
    if not app.config.get("SIMULATED_OKTA"):
        return
    from .console import bp

    world = store.load(state_path(app), DOMAIN)
    app.extensions[EXTENSION] = world
    app.register_blueprint(bp, url_prefix=SIMULATOR_PREFIX)
    app.wsgi_app = Mount(app.wsgi_app, SIMULATOR_PREFIX, Site(world))


def state_path(app: Flask) -> Path:
    return Path(app.instance_path) / "simulated-okta.json"


def world() -> SimulatedOkta:
    return current_app.extensions[EXTENSION]


def save() -> None:
    store.save(world(), state_path(current_app))


def org_url() -> str:
    """What a visitor pastes as the Okta domain, the issuer and the org URL."""
    return current_app.config["SIMULATED_OKTA_URL"]
