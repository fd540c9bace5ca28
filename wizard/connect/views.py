"""The Connect Okta steps (one view per step), the setup-link entry, live status.

Views parse the form, call a plain function, audit, redirect. Every state change is
audited; progress is saved on the connection so the admin can leave and resume.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from .. import security_headers
from ..auth import sessions
from ..domain import audit, connections, setup_links
from ..domain import email_domains as domains
from ..extensions import limiter
from ..models import OktaConnection, utcnow
from ..permissions import Action, check, requires
from ..sso import configurations as sso_configurations
from ..sso import settings as sso_settings
from ..tenancy import acting_organization
from . import live, steps
from .forms import (
    CHECKLIST,
    AppsForm,
    ChecklistForm,
    PermissionsForm,
    RegenerateTokenForm,
    SsoForm,
)
from .selftest import run_self_test

bp = Blueprint("connect", __name__)


def shown_once(html: str):
    """A page holding a secret shown once: never cached, never replayed from history."""
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def organization():
    """The organization this wizard request acts for: the setup link's, or the member's."""
    return acting_organization()


def connection_or_gate() -> OktaConnection:
    """The organization's connection, created on first entry; 403 without the feature."""
    if not organization().enterprise_enabled:
        abort(403)
    return connections.ensure_connection(organization())


def page(slug: str, connection: OktaConnection, **context):
    previous, following = steps.neighbours(slug)
    return render_template(
        f"connect/{slug}.html",
        connection=connection,
        slug=slug,
        previous=previous,
        following=following,
        stepper=steps.stepper(connection, slug),
        uris=sso_settings.redirect_uris(organization()),
        scim_endpoint=connections.scim_endpoint(connection),
        provisioning=live.provisioning_status(connection),
        **context,
    )


def complete(connection: OktaConnection, slug: str, **values):
    steps.mark_done(connection, slug, **values)
    audit.record_request(
        "wizard.step_completed",
        organization=organization(),
        target=connection,
        details={"step": slug},
    )
    _, following = steps.neighbours(slug)
    return redirect(url_for("connect.step", slug=following or slug))


@bp.get("/connect/okta")
@requires(Action.RUN_WIZARD)
def start():
    return redirect(url_for("connect.step", slug=steps.resume_step(connection_or_gate())))


@bp.get("/setup/<token>")
@limiter.limit("20 per hour")
def open_setup_link(token: str):
    """An IT person's way in: the link's organization, the Okta steps only. Everyone is
    asked first, with the organization and who lent the link named: someone signed in
    would lose their session, and someone sent a stranger's link (a phishing mail) would
    otherwise land in that stranger's wizard and type their own Okta settings into it."""
    link = setup_links.find(token)
    if link is None:
        return _invalid_setup_link()
    setup_links.hold_pending(link)
    response = shown_once(
        render_template(
            "connect/setup_link_confirm.html", organization=link.organization, link=link
        )
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the address holds the token
    return response


@bp.post("/setup/continue")
def continue_setup_link():
    """The signed-in visitor chose Continue: sign them out here, then open the link."""
    link = setup_links.pending()
    if link is None:
        return _invalid_setup_link()
    if current_user.is_authenticated:
        member = current_user._get_current_object()
        audit.record_request(
            "auth.sign_out",
            organization=member.organization,
            target=member,
            details={"reason": sessions.SessionEnd.SETUP_LINK},
        )
        sessions.sign_out(sessions.SessionEnd.SETUP_LINK)
    return _enter_with(link)


def _invalid_setup_link():
    return render_template(
        "errors/error.html",
        code=410,
        title="This setup link is not valid",
        message="It has expired or was revoked. Ask your admin for a new one.",
    ), 410


def _enter_with(link):
    session.clear()
    session[setup_links.SESSION_KEY] = link.id
    setup_links.note_use(link)
    audit.record(
        "setup_link.used",
        organization=link.organization,
        actor_label=f"setup link {link.id}",
        target=link,
        ip=request.remote_addr or "",
    )
    return redirect(url_for("connect.step", slug="apps"))


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


def credentials_page(connection, **extra):
    """Step 4, as shown after a visit, a new token (``new_token``) or a self-test."""
    return page(
        "credentials",
        connection,
        token_form=RegenerateTokenForm(),
        tokens=list(connections.live_tokens(connection)),
        token_action=token_action(connection),
        **extra,
    )


def token_action(connection) -> Action:
    """What making a token needs. A setup link may make the connection's first token,
    never a later one: a later token replaces one that is live, or follows one an
    EnterpriseAdmin revoked (a leak) or a disconnect, and must not be the link's to make."""
    if connections.ever_had_a_token(connection):
        return Action.ROTATE_SCIM_TOKEN
    return Action.ISSUE_FIRST_SCIM_TOKEN


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


@bp.post("/connect/okta/credentials/token")
@requires(Action.RUN_WIZARD)
def issue_token():
    """Show a new token once. The page is the POST's answer (no redirect), so the token
    never travels in a cookie or a URL, and ``no-store`` keeps it out of caches."""
    connection = connection_or_gate()
    form = RegenerateTokenForm()
    had_token = connections.live_tokens(connection).exists()
    action = token_action(connection)
    check(action)
    if had_token and not form.validate_on_submit():
        flash("Tick the box to confirm a new token.", "error")
        return redirect(url_for("connect.step", slug="credentials"))
    creator = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        token, plaintext = connections.issue_scim_token(
            connection, created_by=creator, first_only=action == Action.ISSUE_FIRST_SCIM_TOKEN
        )
    except connections.FirstTokenTaken:  # another request made it meanwhile
        abort(409)
    audit.record_request(
        "scim.token_rotated" if had_token else "scim.token_issued",
        organization=organization(),
        target=token,
        details={"prefix": token.prefix},
    )
    return shown_once(credentials_page(connection, new_token=plaintext))


@bp.post("/connect/okta/self-test")
@requires(Action.RUN_WIZARD)
def self_test():
    connection = connection_or_gate()
    checks = run_self_test(current_app._get_current_object(), organization())
    audit.record_request(
        "scim.self_test",
        organization=organization(),
        target=connection,
        details={"passed": all(c.passed for c in checks)},
    )
    return credentials_page(connection, checks=checks)


@bp.get("/connect/okta/live.json")
@requires(Action.RUN_WIZARD)
def live_status():
    connection = connections.connection_for(organization())
    if connection is None:
        abort(404)
    return jsonify(live.snapshot(connection))
