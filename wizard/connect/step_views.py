"""The eight Connect Okta steps, one view each behind ``/connect/okta/<slug>``: what
each shows and what completing it saves."""

from flask import abort, flash, g, redirect, request, session, url_for
from flask_login import current_user

from .. import security_headers
from ..domain import audit, connections, setup_links
from ..domain import email_domains as domains
from ..models import utcnow
from ..permissions import Action, check, requires
from ..sso import configurations as sso_configurations
from ..sso import settings as sso_settings
from . import live, steps
from .forms import CHECKLIST, AppsForm, ChecklistForm, PermissionsForm, SsoForm
from .views import bp, complete, connection_or_gate, credentials_page, organization, page


@bp.route("/connect/okta/<slug>", methods=["GET", "POST"])
@requires(Action.RUN_WIZARD)
def step(slug: str):
    if slug not in steps.SLUGS:
        abort(404)
    if g.get("setup_link") is not None and slug not in setup_links.STEPS:
        abort(403)  # a setup link reaches the Okta steps (2-7), nothing else
    if slug == "sso" and request.method == "POST":
        check(Action.CONFIGURE_SSO)  # anyone here may read the SSO settings
    connection = connection_or_gate()
    return STEP_VIEWS[slug](connection)


def permissions_step(connection):
    form = PermissionsForm(confirm=(connection.wizard_state or {}).get("permissions_confirmed"))
    if form.validate_on_submit():
        return complete(connection, "permissions", permissions_confirmed=True)
    return page("permissions", connection, form=form)


def apps_step(connection):
    form = AppsForm(confirm="apps" in steps.done_steps(connection))
    if form.validate_on_submit():
        return complete(connection, "apps")
    return page("apps", connection, form=form)


def sso_step(connection):
    """Issuer, client ID and secret are saved as a pending configuration; the live one
    keeps signing people in until an EnterpriseAdmin's test sign-in passes."""
    shown = sso_configurations.for_test(connection)
    if shown is not None:
        security_headers.allow_form_redirect_to(shown.issuer)  # Test sign-in's redirect
    form = SsoForm(
        okta_domain=shown.issuer if shown else "",
        client_id=shown.client_id if shown else "",
        email_domain=domains.primary_domain(organization()),
    )
    if form.validate_on_submit():
        try:
            changes = sso_settings.save_sso_settings(
                connection,
                okta_domain=form.okta_domain.data,
                client_id=form.client_id.data,
                client_secret=form.client_secret.data,
                email_domain=form.email_domain.data,
                saved_by=current_user._get_current_object()
                if current_user.is_authenticated
                else None,
                saved_by_label=_actor_label(),
            )
        except sso_settings.SsoSettingsError as exc:
            for field, message in exc.errors.items():
                getattr(form, field).errors.append(message)
        else:
            audit.record_request(
                "sso.settings_saved",
                organization=organization(),
                target=connection,
                details=changes,
            )
            flash(
                "Single sign-on settings saved (the secret is stored encrypted). "
                + ("Run the test sign-in to make them live." if changes["pending"] else ""),
                "success",
            )
            return complete(connection, "sso")
    test_result = session.pop("sso_test", None)
    return page(
        "sso",
        connection,
        form=form,
        test_result=test_result,
        email_domains=domains.claims_of(organization()),
        live_sso=sso_configurations.live(connection),
        pending_sso=sso_configurations.pending(connection),
    ), 400 if form.errors else 200


def _actor_label() -> str:
    """Who saved the settings, as the SSO step shows it ("saved by ...")."""
    if current_user.is_authenticated:
        return current_user.email
    link = g.get("setup_link")
    if link is None:
        return ""
    return f"setup link {link.id}" + (f" ({link.label})" if link.label else "")


def credentials_step(connection):
    if request.method == "POST":
        return complete(connection, "credentials")
    return credentials_page(connection)


def settings_step(connection):
    ticks = (connection.wizard_state or {}).get("checklist", {})
    form = ChecklistForm(data=ticks)
    if form.validate_on_submit():
        checklist = {name: getattr(form, name).data for name, _ in CHECKLIST}
        return complete(connection, "settings", checklist=checklist)
    return page("settings", connection, form=form, warnings=live.traffic_warnings(connection))


def assign_step(connection):
    if request.method == "POST":
        return complete(connection, "assign")
    return page(
        "assign",
        connection,
        users=live.received_users(connection),
        drift=live.latest_drift(connection),
    )


def push_step(connection):
    if request.method == "POST":
        return complete(connection, "push")
    return page("push", connection, pushed=live.pushed_groups(connection))


def finish_step(connection):
    if request.method == "POST":
        steps.mark_done(connection, "finish")
        connection.status, connection.activated_at = "active", utcnow()
        connection.save()
        audit.record_request("wizard.finished", organization=organization(), target=connection)
        flash("Okta is connected. These are the people Okta sent so far.", "success")
        return redirect(url_for("team.users"))
    snapshot = live.snapshot(connection)
    return page(
        "finish",
        connection,
        snapshot=snapshot,
        tokens=list(connections.live_tokens(connection)),
        email_domains=domains.claims_of(organization()),
    )


STEP_VIEWS = {
    "permissions": permissions_step,
    "apps": apps_step,
    "sso": sso_step,
    "credentials": credentials_step,
    "settings": settings_step,
    "assign": assign_step,
    "push": push_step,
    "finish": finish_step,
}
