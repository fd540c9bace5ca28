"""One member's page (Team > Users > member) and what an admin does there by hand: the
organization role (a manual grant), a one-time password link, keep local. Each action
parses, calls ``local_members``, audits and goes back to the page."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from ..domain import audit, disconnect, local_members
from ..domain.password_links import Delivery
from ..domain.roles import OrgRole
from ..domain.sources import Source
from ..models import Member
from ..permissions import Action, may_manage, requires
from ..security_headers import shown_once
from ..tenancy import own
from . import queries
from .views import bp


class RoleForm(FlaskForm):
    # Offered: the roles the admin may give. Anything else posted reaches local_members,
    # which says why it is refused.
    role = SelectField("Organization role (given by hand)", validate_choice=False)


class KeepLocalForm(FlaskForm):
    keep_local = BooleanField("Keep local: Okta (SCIM) neither sees nor changes this member")


def actor():
    return current_user._get_current_object()


def role_form(member: Member, **kwargs) -> RoleForm:
    form = RoleForm(role=member.org_role.value_name, **kwargs)
    form.role.choices = [
        (role.value_name, role.label) for role in local_members.assignable_roles(actor(), member)
    ]
    return form


def member_page(member: Member, form: RoleForm | None = None, status: int = 200):
    return render_template(
        "team/member.html",
        member=member,
        groups=queries.groups_by_member([member.id])[member.id],
        grants=list(queries.grants_of(member)),
        role_form=form or role_form(member),
        keep_local_form=KeepLocalForm(keep_local=member.keep_local),
        manageable=may_manage(actor(), member) and member.managed_by == Source.LOCAL,
    ), status


@bp.get("/users/<member_id>")
@requires(Action.VIEW_DIRECTORY)
def member(member_id: str):
    return member_page(own(Member, Member.scim_id == member_id))


@bp.post("/users/<member_id>/role")
@requires(Action.SET_MEMBER_ROLE)
def set_role(member_id: str):
    member = own(Member, Member.scim_id == member_id)
    form = role_form(member)
    if not form.validate_on_submit():
        return member_page(member, form, 400)
    try:
        change = local_members.set_org_role(member, _role(form.role.data), actor=actor())
    except local_members.ChangeRefused as exc:
        if exc.status == 403:
            abort(403)
        form.role.errors = [*form.role.errors, str(exc)]
        return member_page(member, form, 400)
    if change:
        audit.record_request(
            "member.role_changed", organization=member.organization, target=member, details=change
        )
    flash("Role saved.", "success")
    return redirect(url_for("team.member", member_id=member.scim_id))


def _role(value: str) -> OrgRole:
    try:
        return OrgRole.parse(value)
    except ValueError:
        abort(400)


@bp.post("/users/<member_id>/password-link")
@requires(Action.SEND_PASSWORD_RESET)
def send_password_link(member_id: str):
    member = own(Member, Member.scim_id == member_id)
    try:
        issued = local_members.send_password_link(member, actor=actor())
    except local_members.ChangeRefused as exc:
        if exc.status == 403:
            abort(403)
        flash(str(exc), "error")
        return member_page(member, status=400)
    if issued.delivery is Delivery.SHOWN:
        return shown_once(render_template("team/password_link.html", issued=[issued]))
    if issued.delivery is Delivery.EMAIL:
        flash(f"A one-time link to set a new password was emailed to {member.email}.", "success")
    else:
        flash(_withheld_message(issued), "error")
    return redirect(url_for("team.member", member_id=member.scim_id))


def _withheld_message(issued) -> str:
    if issued.mail_failed:
        return "The mail could not be sent, so no link was made. Try again later."
    return (
        "Mail is not configured, so no link was made: without mail a password link is "
        "shown only to an Enterprise admin (never for another one). Configure mail "
        "(MAIL_BACKEND=smtp), or ask an Enterprise admin."
    )


@bp.post("/users/<member_id>/keep-local")
@requires(Action.MANAGE_KEEP_LOCAL)
def set_keep_local(member_id: str):
    member = own(Member, Member.scim_id == member_id)
    form = KeepLocalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = local_members.set_keep_local(member, form.keep_local.data, actor=actor())
    except local_members.ChangeRefused as exc:
        if exc.status == 403:
            abort(403)
        flash(str(exc), "error")
        return redirect(url_for("team.member", member_id=member.scim_id))
    if changed:
        audit.record_request(
            "member.keep_local_changed",
            organization=member.organization,
            target=member,
            details={"keep_local": member.keep_local},
        )
    flash(
        "Kept local: Okta neither sees nor changes this member."
        if member.keep_local
        else "Okta may now see this member and take it over with its next change.",
        "success",
    )
    return redirect(url_for("team.member", member_id=member.scim_id))


@bp.post("/users/<member_id>/convert")
@requires(Action.CONVERT_TO_LOCAL)
def convert_to_local(member_id: str):
    """One Okta-managed member to local management (Integrations > Okta converts all)."""
    member = own(disconnect.okta_managed(actor().organization), Member.scim_id == member_id)
    issued = disconnect.convert_to_local([member], actor=actor())
    return shown_once(render_template("team/converted.html", issued=issued))
