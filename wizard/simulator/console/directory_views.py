"""Directory > People and Groups: add, edit, change status, group members. A change
Okta provisions is sent at once (world.py decides what)."""

from flask import abort, flash, redirect, render_template, request, url_for

from .. import mounting
from ..world import PROVISIONING_APP
from .blueprint import bp, report
from .forms import GroupForm, PersonForm, StatusForm


def _person_or_404(user_id: str) -> dict:
    user = mounting.world().person(user_id)
    if user is None:
        abort(404)
    return user


def _group_or_404(group_id: str) -> dict:
    group = mounting.world().api.groups.get(group_id)
    if group is None:
        abort(404)
    return group


@bp.route("/people", methods=["GET", "POST"])
def people():
    world, form = mounting.world(), PersonForm()
    if form.validate_on_submit():
        values = {field.name: field.data for field in form if field.name != "csrf_token"}
        values["login"] = values.get("login") or values["email"]
        user = world.add_person(**values)
        mounting.save()
        flash(
            f"Added {user['profile']['displayName']}: assign them to an app to provision.",
            "success",
        )
        return redirect(url_for("simulator.person", user_id=user["id"]))
    assigned = world.assigned(PROVISIONING_APP)
    return render_template(
        "simulator/people.html", world=world, form=form, assigned=assigned
    ), 400 if form.errors else 200


@bp.route("/people/<user_id>", methods=["GET", "POST"])
def person(user_id: str):
    world, user = mounting.world(), _person_or_404(user_id)
    form = PersonForm(data=user["profile"])
    if form.validate_on_submit():
        changes = {field.name: field.data for field in form if field.name != "csrf_token"}
        report(world.edit_person(user_id, changes), "Saved in Okta; nothing was sent.")
        mounting.save()
        return redirect(url_for("simulator.person", user_id=user_id))
    return render_template(
        "simulator/person.html",
        world=world,
        user=user,
        form=form,
        status_form=StatusForm(status=user["status"]),
        state=world.engine.user_states.get(user_id),
        error=world.engine.user_errors.get(user_id),
    ), 400 if form.errors else 200


@bp.post("/people/<user_id>/status")
def person_status(user_id: str):
    _person_or_404(user_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    nothing = (
        "Suspended: Okta sends nothing for a suspension."
        if form.status.data == "SUSPENDED"
        else "Status changed; nothing was sent."
    )
    report(mounting.world().set_status(user_id, form.status.data), nothing)
    mounting.save()
    return redirect(url_for("simulator.person", user_id=user_id))


@bp.post("/people/<user_id>/delete")
def person_delete(user_id: str):
    user = _person_or_404(user_id)
    if user["status"] != "DEPROVISIONED":
        flash("Okta deletes deactivated people only: deactivate first.", "error")
        return redirect(url_for("simulator.person", user_id=user_id))
    mounting.world().delete_person(user_id)
    mounting.save()
    flash("Deleted in Okta. Okta sends nothing for a deletion; the pull sync notices.", "info")
    return redirect(url_for("simulator.people"))


@bp.route("/groups", methods=["GET", "POST"])
def groups():
    world, form = mounting.world(), GroupForm()
    if form.validate_on_submit():
        group = world.add_group(form.name.data, form.description.data or "")
        mounting.save()
        flash(f"Group {group['profile']['name']} created.", "success")
        return redirect(url_for("simulator.group", group_id=group["id"]))
    return render_template(
        "simulator/groups.html", world=world, form=form
    ), 400 if form.errors else 200


@bp.route("/groups/<group_id>", methods=["GET", "POST"])
def group(group_id: str):
    world, found = mounting.world(), _group_or_404(group_id)
    form = GroupForm(name=found["profile"]["name"], description=found["profile"]["description"])
    if form.validate_on_submit():
        exchanges = []
        if form.name.data != found["profile"]["name"]:
            exchanges += world.rename_group(group_id, form.name.data)
        found["profile"]["description"] = form.description.data or ""
        chosen = [uid for uid in request.form.getlist("members") if uid in world.api.users]
        exchanges += world.set_group_members(group_id, chosen)
        report(exchanges, "Saved in Okta; nothing was sent.")
        mounting.save()
        return redirect(url_for("simulator.group", group_id=group_id))
    members = {user["id"] for user in world.members(group_id)}
    return render_template(
        "simulator/group.html", world=world, group=found, form=form, members=members
    ), 400 if form.errors else 200
