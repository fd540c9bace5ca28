"""Okta's sign-in page for the simulated org: the people, and who may sign in to the
OIDC app (assigned and active, as Okta requires)."""

from flask import abort, redirect, render_template, request

from .. import mounting
from ..world import SIGN_IN_APP
from .blueprint import bp
from .forms import SignInForm

# Okta's answers when someone may not sign in to the app.
NOT_ASSIGNED = ("access_denied", "User is not assigned to the client application.")
NOT_ACTIVE = ("access_denied", "The user is not active.")


@bp.get("/sign-in")
def sign_in_page():
    world = mounting.world()
    request_id = request.args.get("request", "")
    pending = world.openid.pending.get(request_id)
    if pending is None:
        return render_template("simulator/sign_in_expired.html"), 400
    return render_template(
        "simulator/sign_in.html",
        world=world,
        form=SignInForm(request_id=request_id),
        assigned=world.assigned(SIGN_IN_APP),
    )


@bp.post("/sign-in")
def sign_in():
    world, form = mounting.world(), SignInForm()
    if not form.validate_on_submit() or form.request_id.data not in world.openid.pending:
        return render_template("simulator/sign_in_expired.html"), 400
    user = world.person(form.person.data)
    if user is None:
        abort(400)
    if user["id"] not in world.assigned(SIGN_IN_APP):
        return redirect(world.openid.deny(form.request_id.data, *NOT_ASSIGNED))
    if user["status"] != "ACTIVE":
        return redirect(world.openid.deny(form.request_id.data, *NOT_ACTIVE))
    claims = world.claims(user)
    return redirect(world.openid.approve(form.request_id.data, claims))
