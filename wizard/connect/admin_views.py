"""Integrations > Okta after (or around) the wizard: the status card, sign-in rules,
setup links for an IT person, and safe disconnect with conversion to local management."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..domain import audit, connections, disconnect, setup_links
from ..domain import email_domain_verification as domain_verification
from ..domain import email_domains as domains
from ..domain.roles import OrgRole
from ..models import Member, SetupLink, utcnow
from ..permissions import Action, allowed, requires
from ..sso import enforcement
from ..sso import settings as sso_settings
from ..sso.members import JIT_ROLES
from ..tenancy import own
from . import live
from .forms import DisconnectForm, EnforcementForm, SetupLinkForm
from .views import bp, connection_or_gate, organization, shown_once


@bp.get("/integrations")
@requires(Action.VIEW_INTEGRATIONS)
def integrations():
    connection = connections.connection_for(organization())
    tokens = list(connections.live_tokens(connection)) if connection else []
    return render_template(
        "connect/integrations.html",
        organization=organization(),
        connection=connection,
        tokens=tokens,
        uris=sso_settings.redirect_uris(organization()),
        scim_endpoint=connections.scim_endpoint(connection) if connection else None,
        health=live.connection_health(connection) if connection else None,
        email_domains=domains.claims_of(organization()),
        domain_notices=domain_verification.notices(organization()),
        can_connect=allowed(Action.RUN_WIZARD),
        enforcement_form=(
            enforcement_form(connection)
            if connection and allowed(Action.MANAGE_SIGN_IN_RULES)
            else None
        ),
    )


@bp.post("/integrations/okta/enforcement")
@requires(Action.MANAGE_SIGN_IN_RULES)
def set_enforcement():
    connection = connection_or_gate()
    form = enforcement_form(connection)
    if form.validate_on_submit():
        try:
            changes = enforcement.set_enforcement(
                connection,
                enforced=form.enforced.data,
                jit=form.jit.data,
                jit_role=OrgRole.parse(form.jit_role.data),
                break_glass_id=form.break_glass.data or None,
            )
        except enforcement.EnforcementError as exc:
            flash(str(exc), "error")
        else:
            audit.record_request(
                "sso.enforcement_changed",
                organization=organization(),
                target=connection,
                details=changes,
            )
            flash("Sign-in settings saved.", "success")
    return redirect(url_for("connect.integrations"))


def enforcement_form(connection, **kwargs) -> EnforcementForm:
    form = EnforcementForm(
        enforced=connection.sso_enforced,
        jit=connection.jit_enabled,
        jit_role=connection.jit_role,
        break_glass=connection.break_glass_id or 0,
        **kwargs,
    )
    choices = [(m.id, m.email) for m in enforcement.break_glass_candidates(connection)]
    form.break_glass.choices = [(0, "Nobody"), *choices]
    form.jit_role.choices = [(role.value_name, role.label) for role in JIT_ROLES]
    return form


@bp.post("/connect/okta/credentials/tokens/<int:token_id>/revoke")
@requires(Action.REVOKE_SCIM_TOKENS)
def revoke_token(token_id: int):
    token = connections.revoke_token(connection_or_gate(), token_id)  # CSRFProtect checked
    if token is None:
        abort(404)
    audit.record_request(
        "scim.token_revoked",
        organization=organization(),
        target=token,
        details={"prefix": token.prefix},
    )
    flash(f"The token {token.prefix}… no longer works.", "success")
    return redirect(url_for("connect.step", slug="credentials"))


@bp.route("/integrations/okta/disconnect", methods=["GET", "POST"])
@requires(Action.DISCONNECT)
def disconnect_page():
    organization = current_user.organization
    form = DisconnectForm()
    if form.validate_on_submit():
        try:
            count = disconnect.disconnect(
                organization,
                confirm_name=form.confirm_name.data,
                actor=current_user._get_current_object(),
            )
        except disconnect.DisconnectError as exc:
            form.confirm_name.errors.append(str(exc))
        else:
            flash(
                f"Okta is disconnected. {count} Okta-managed member(s) were deactivated; "
                "history is kept.",
                "success",
            )
            return redirect(url_for("connect.integrations"))
    return render_template(
        "connect/disconnect.html",
        form=form,
        managed=disconnect.okta_managed(organization).count(),
    )


@bp.post("/integrations/okta/convert")
@requires(Action.CONVERT_TO_LOCAL)
def convert_all():
    organization = current_user.organization
    issued = disconnect.convert_to_local(
        list(disconnect.okta_managed(organization)), actor=current_user._get_current_object()
    )
    return shown_once(render_template("connect/converted.html", issued=issued))


@bp.post("/team/users/<member_id>/convert")
@requires(Action.CONVERT_TO_LOCAL)
def convert_one(member_id: str):
    member = own(disconnect.okta_managed(current_user.organization), Member.scim_id == member_id)
    issued = disconnect.convert_to_local([member], actor=current_user._get_current_object())
    return shown_once(render_template("connect/converted.html", issued=issued))


@bp.route("/integrations/okta/setup-links", methods=["GET", "POST"])
@requires(Action.MANAGE_SETUP_LINKS)
def setup_links_page():
    organization = current_user.organization
    form = SetupLinkForm()
    new_link = None
    if form.validate_on_submit():
        link, new_link = setup_links.create(
            organization,
            current_user._get_current_object(),
            form.label.data,
            timedelta(days=form.days.data),
        )
        audit.record_request(
            "setup_link.created",
            organization=organization,
            target=link,
            details={"label": link.label, "days": form.days.data},
        )
    links = (
        SetupLink.select()
        .where(SetupLink.organization == organization)
        .order_by(SetupLink.id.desc())
    )
    return shown_once(
        render_template(
            "connect/setup_links.html",
            form=form,
            links=links,
            new_link=new_link,
            now=utcnow(),
            orphaned={link.id for link in links if not setup_links.creator_may_lend(link)},
        )
    )


@bp.post("/integrations/okta/setup-links/<int:link_id>/revoke")
@requires(Action.MANAGE_SETUP_LINKS)
def revoke_setup_link(link_id: int):
    link = own(SetupLink, SetupLink.id == link_id)
    setup_links.revoke(link)
    audit.record_request("setup_link.revoked", organization=link.organization, target=link)
    flash("The link no longer works.", "success")
    return redirect(url_for("connect.setup_links_page"))
