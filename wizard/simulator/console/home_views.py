"""The console's home (what to copy where) and the SCIM request log."""

from flask import render_template

from .. import mounting
from ..world import APP_LABELS, PROVISIONING_APP, SIGN_IN_APP
from .blueprint import bp


@bp.get("/")
def home():
    world = mounting.world()
    return render_template(
        "simulator/home.html",
        world=world,
        org_url=mounting.org_url(),
        apps=APP_LABELS,
        sign_in_app=SIGN_IN_APP,
        provisioning_app=PROVISIONING_APP,
    )


@bp.get("/requests")
def requests_log():
    """Every SCIM request Okta sent, newest first, with our answer."""
    return render_template("simulator/requests.html", log=mounting.world().engine.log)
