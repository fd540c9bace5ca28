"""Security > API: the SSWS API token, and the API Services app our product connects
with (its public key, granted scopes, admin role and DPoP), as Okta's admin console
has them."""

import json

from flask import abort, flash, redirect, render_template, request, url_for

from .. import mounting
from ..management_api import new_api_token
from ..service_apps import OKTA_SCOPES, SERVICE_CLIENT_ID
from .blueprint import bp
from .forms import ServiceAppForm

READ_ONLY_ADMIN = {"id": "irb1", "type": "READ_ONLY_ADMIN", "label": "Read-only Administrator"}


@bp.get("/security/api")
def api_security():
    return _page(ServiceAppForm())


def _page(form: ServiceAppForm):
    world = mounting.world()
    return render_template(
        "simulator/api.html",
        world=world,
        token=world.api.token,
        service_app=world.api.oauth.apps.get(SERVICE_CLIENT_ID),
        form=form,
        scopes=sorted(OKTA_SCOPES),
        org_url=mounting.org_url(),
    )


@bp.post("/security/api/token")
def create_token():
    """Okta shows a new token once; here it stays on the page (a simulator's token)."""
    mounting.world().api.token = new_api_token()
    mounting.save()
    flash("A new API token replaced the old one: the old one is refused from now on.", "success")
    return redirect(url_for("simulator.api_security"))


@bp.post("/security/api/service-app")
def register_service_app():
    world, form = mounting.world(), ServiceAppForm()
    key = _public_jwk(form.public_jwk.data) if form.validate_on_submit() else None
    if key is None:
        form.public_jwk.errors = [*form.public_jwk.errors, "Paste a public RSA or EC key as JWK."]
        return _page(form), 400
    app = world.api.oauth.apps.get(SERVICE_CLIENT_ID)
    if app is None:
        world.api.add_service_app(key)
    else:
        app.public_keys = [key]
    mounting.save()
    flash("Public key saved on the API Services app.", "success")
    return redirect(url_for("simulator.api_security"))


@bp.post("/security/api/service-app/grants")
def service_app_grants():
    app = mounting.world().api.oauth.apps.get(SERVICE_CLIENT_ID)
    if app is None:
        abort(404)
    app.scopes = {scope for scope in request.form.getlist("scopes") if scope in OKTA_SCOPES}
    app.roles = [dict(READ_ONLY_ADMIN)] if request.form.get("admin_role") else []
    app.require_dpop = bool(request.form.get("require_dpop"))
    mounting.save()
    flash("Scopes, admin role and DPoP saved.", "success")
    return redirect(url_for("simulator.api_security"))


def _public_jwk(text: str) -> dict | None:
    try:
        key = json.loads(text or "")
    except ValueError:
        return None
    private = {"d", "p", "q", "dp", "dq", "qi"}
    if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC") or private & set(key):
        return None
    return key
