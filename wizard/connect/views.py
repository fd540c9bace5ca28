"""The Connect Okta wizard's frame: its blueprint, the page every step renders, how a
step completes, and what the steps share with the pages around them (the token, the
self-test, the live status). The steps are ``step_views``; the setup link's entry is
``setup_link_views``.

Views parse the form, call a plain function, audit, redirect. Every state change is
audited; progress is saved on the connection so the admin can leave and resume.
"""

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from ..domain import audit, connections
from ..models import OktaConnection
from ..permissions import Action, check, requires
from ..security_headers import shown_once
from ..sso import settings as sso_settings
from ..tenancy import acting_organization
from . import live, steps
from .forms import RegenerateTokenForm
from .selftest import run_self_test

bp = Blueprint("connect", __name__)


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
