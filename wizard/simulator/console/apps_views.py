"""Applications: the OIDC sign-in app and the SCIM provisioning app, with the settings
our wizard tells the admin to set, their assignments and Push Groups."""

from flask import abort, flash, redirect, render_template, request, url_for

from .. import mounting
from ..scim_client import loopback_only
from ..world import APP_LABELS, PROVISIONING_APP, SIGN_IN_APP
from .blueprint import bp, report
from .forms import IntegrationForm, SignInAppForm, ToAppForm

APP_PAGES = {SIGN_IN_APP: "simulator.sign_in_app", PROVISIONING_APP: "simulator.provisioning_app"}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _app_or_404(app_id: str) -> str:
    if app_id not in APP_LABELS:
        abort(404)
    return app_id


@bp.route("/apps/sign-in", methods=["GET", "POST"])
def sign_in_app():
    world = mounting.world()
    client = world.sign_in_client
    form = SignInAppForm(
        redirect_uris="\n".join(client.redirect_uris),
        post_logout_redirect_uris="\n".join(client.post_logout_redirect_uris),
    )
    if form.validate_on_submit():
        client.redirect_uris = _lines(form.redirect_uris.data)
        client.post_logout_redirect_uris = _lines(form.post_logout_redirect_uris.data)
        mounting.save()
        flash("Sign-in redirect URIs saved.", "success")
        return redirect(url_for("simulator.sign_in_app"))
    return render_template(
        "simulator/sign_in_app.html",
        world=world,
        app_id=SIGN_IN_APP,
        client=client,
        form=form,
        org_url=mounting.org_url(),
        **_assignments(SIGN_IN_APP),
    )


@bp.get("/apps/provisioning")
def provisioning_app():
    world = mounting.world()
    settings = world.engine.settings
    return render_template(
        "simulator/provisioning_app.html",
        world=world,
        app_id=PROVISIONING_APP,
        integration=IntegrationForm(obj=settings),
        to_app=ToAppForm(obj=settings),
        **_assignments(PROVISIONING_APP),
    )


@bp.post("/apps/provisioning/integration")
def save_integration():
    form, world = IntegrationForm(), mounting.world()
    refusal = loopback_only(form.base_url.data or "") if form.base_url.data else None
    if refusal:
        form.base_url.errors = [refusal]
    if refusal or not form.validate_on_submit():
        return render_template(
            "simulator/provisioning_app.html",
            world=world,
            app_id=PROVISIONING_APP,
            integration=form,
            to_app=ToAppForm(obj=world.engine.settings),
            **_assignments(PROVISIONING_APP),
        ), 400
    world.engine.settings.update(
        {
            "base_url": form.base_url.data.strip(),
            "token": form.token.data.strip(),
            "auth_mode": form.auth_mode.data,
            "username": (form.username.data or "").strip(),
        }
    )
    mounting.save()
    report(world.engine.test_credentials())  # Okta tests the credentials when they are saved
    return redirect(url_for("simulator.provisioning_app"))


@bp.post("/apps/provisioning/test")
def test_integration():
    world = mounting.world()
    if not world.engine.configured:
        flash("Paste the SCIM connector base URL and the token first.", "error")
    else:
        report(world.engine.test_credentials())
    return redirect(url_for("simulator.provisioning_app"))


@bp.post("/apps/provisioning/to-app")
def save_to_app():
    form, world = ToAppForm(), mounting.world()
    if not form.validate_on_submit():
        abort(400)
    world.engine.settings.update(
        {field.name: field.data for field in form if field.name != "csrf_token"}
    )
    mounting.save()
    flash("Provisioning settings saved: the next changes follow them.", "success")
    return redirect(url_for("simulator.provisioning_app"))


@bp.post("/apps/provisioning/import")
def import_now():
    report(mounting.world().engine.import_now())
    return redirect(url_for("simulator.provisioning_app"))


@bp.post("/apps/<app_id>/assign")
def assign(app_id: str):
    app_id, world = _app_or_404(app_id), mounting.world()
    person, group = request.form.get("person", ""), request.form.get("group", "")
    if person in world.api.users:
        exchanges = world.assign(app_id, user_id=person)
    elif group in world.api.groups:
        exchanges = world.assign(app_id, group_id=group)
    else:
        flash("Pick a person or a group to assign.", "error")
        return redirect(url_for(APP_PAGES[app_id]))
    mounting.save()
    nothing = "Assigned." + (
        " Create Users is off or the SCIM connection is not set: nothing was sent."
        if app_id == PROVISIONING_APP
        else ""
    )
    report(exchanges, nothing)
    return redirect(url_for(APP_PAGES[app_id]))


@bp.post("/apps/<app_id>/unassign")
def unassign(app_id: str):
    app_id, world = _app_or_404(app_id), mounting.world()
    person, group = request.form.get("person", ""), request.form.get("group", "")
    if person:
        exchanges = world.unassign(app_id, user_id=person)
    else:
        exchanges = world.unassign(app_id, group_id=group)
    mounting.save()
    report(exchanges, "Unassigned; nothing was sent.")
    return redirect(url_for(APP_PAGES[app_id]))


@bp.post("/apps/provisioning/push")
def push_group():
    world = mounting.world()
    group_id = request.form.get("group", "")
    if group_id not in world.api.groups:
        flash("Pick a group to push.", "error")
    elif not world.engine.configured:
        flash("Set the SCIM connection first (Provisioning > Integration).", "error")
    else:
        report(world.push_group(group_id))
        mounting.save()
    return redirect(url_for("simulator.provisioning_app") + "#push-groups")


@bp.post("/apps/provisioning/push/<group_id>/now")
def push_now(group_id: str):
    world = mounting.world()
    if group_id not in world.engine.group_links:
        abort(404)
    report(world.push_now(group_id))
    return redirect(url_for("simulator.provisioning_app") + "#push-groups")


@bp.post("/apps/provisioning/push/<group_id>/unlink")
def unlink_group(group_id: str):
    world = mounting.world()
    if group_id not in world.engine.group_links:
        abort(404)
    delete = request.form.get("delete") == "yes"
    report(world.unlink_group(group_id, delete), "Unlinked; the group stays in the app.")
    mounting.save()
    return redirect(url_for("simulator.provisioning_app") + "#push-groups")


def _assignments(app_id: str) -> dict:
    world = mounting.world()
    return {
        "assigned_people": [
            world.api.users[uid] for uid in world.assigned_people[app_id] if uid in world.api.users
        ],
        "assigned_groups": [
            world.api.groups[gid]
            for gid in world.assigned_groups[app_id]
            if gid in world.api.groups
        ],
        "everyone": world.assigned(app_id),
    }
