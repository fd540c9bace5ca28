"""Integrations > Okta > Provisioning (SCIM), for SCIM-only customers as for the rest:
the endpoint, how Okta sends the token (Bearer, header or Basic) with the exact values to
paste, tokens with their last use, Okta's settings checklist with what live traffic
contradicts, the directory as it arrives, and the self-test. The wizard's credentials
step edits the same connection."""

from flask import abort, current_app, flash, jsonify, redirect, url_for
from flask_login import current_user

from ..connect import live
from ..connect.forms import CHECKLIST, ChecklistForm, RegenerateTokenForm
from ..connect.selftest import run_self_test
from ..connect.views import token_action
from ..domain import audit, connections
from ..models import ScimAuth
from ..permissions import Action, check, requires
from ..security_headers import shown_once
from .blueprint import bp
from .forms import ScimAuthForm
from .gate import connection, existing_connection
from .tabs import hub_page


def scim_tab(status: int = 200, **extra):
    link = existing_connection()
    context = {"connection": link, "new_token": None, "checks": None}
    if link is not None:
        ticks = (link.wizard_state or {}).get("checklist", {})
        context |= {
            "scim_endpoint": connections.scim_endpoint(link),
            "tokens": list(connections.live_tokens(link)),
            "token_action": token_action(link),
            "provisioning": live.provisioning_status(link),
            "users": live.received_users(link),
            "pushed": live.pushed_groups(link),
            "warnings": live.traffic_warnings(link),
            "health": live.connection_health(link),
            "checklist": [(label, bool(ticks.get(name))) for name, label in CHECKLIST],
        }
    auth_form = extra.pop("auth_form", None) or ScimAuthForm(
        style=link.scim_auth if link else ScimAuth.BEARER.value
    )
    html = hub_page(
        "scim",
        "integrations/scim.html",
        auth_form=auth_form,
        token_form=RegenerateTokenForm(),
        checklist_form=ChecklistForm(data=(link.wizard_state or {}).get("checklist", {}))
        if link
        else None,
        ScimAuth=ScimAuth,
        **(context | extra),
    )
    return html, status


@bp.get("/okta/scim")
@requires(Action.VIEW_INTEGRATIONS)
def scim():
    return scim_tab()


@bp.get("/okta/scim/live.json")
@requires(Action.VIEW_INTEGRATIONS)
def scim_live():
    """The directory as it arrives, for the tab's live panel (this organization's only)."""
    link = existing_connection()
    if link is None:
        abort(404)
    return jsonify(live.snapshot(link))


@bp.post("/okta/scim/auth")
@requires(Action.CHOOSE_SCIM_AUTH)
def scim_auth():
    form = ScimAuthForm()
    if not form.validate_on_submit():
        return scim_tab(400, auth_form=form)
    link = connection()
    if link.scim_auth != form.style.data:
        audit.record_request(
            "scim.auth_style_changed",
            organization=link.organization,
            target=link,
            details={"from": link.scim_auth, "to": form.style.data},
        )
        link.scim_auth = form.style.data
        link.save()
    flash("Saved: the values to paste into Okta are below.", "success")
    return redirect(url_for("integrations.scim", _anchor="paste"))


@bp.post("/okta/scim/token")
@requires(Action.VIEW_INTEGRATIONS)
def scim_token():
    """The first token (or a new one): shown once, in the POST's answer (no redirect), so
    it never travels in a cookie or a URL; only its digest is kept."""
    existing = existing_connection()
    action = token_action(existing) if existing else Action.ISSUE_FIRST_SCIM_TOKEN
    check(action)  # before anything is made: a refused request leaves no connection
    link = existing or connection()
    had_token = connections.live_tokens(link).exists()
    if had_token and not RegenerateTokenForm().validate_on_submit():
        flash("Tick the box to confirm a new token.", "error")
        return redirect(url_for("integrations.scim", _anchor="tokens"))
    try:
        token, plaintext = connections.issue_scim_token(
            link,
            created_by=current_user._get_current_object(),
            first_only=action == Action.ISSUE_FIRST_SCIM_TOKEN,
        )
    except connections.FirstTokenTaken:
        abort(409)
    audit.record_request(
        "scim.token_rotated" if had_token else "scim.token_issued",
        organization=link.organization,
        target=token,
        details={"prefix": token.prefix},
    )
    html, status = scim_tab(new_token=plaintext)
    return shown_once(html), status


@bp.post("/okta/scim/tokens/<int:token_id>/revoke")
@requires(Action.REVOKE_SCIM_TOKENS)
def scim_revoke(token_id: int):
    token = connections.revoke_token(connection(), token_id)
    if token is None:
        abort(404)
    audit.record_request(
        "scim.token_revoked",
        organization=current_user.organization,
        target=token,
        details={"prefix": token.prefix},
    )
    flash(f"The token {token.prefix}… no longer works.", "success")
    return redirect(url_for("integrations.scim"))


@bp.post("/okta/scim/checklist")
@requires(Action.RUN_WIZARD)
def scim_checklist():
    """The Okta settings ticked on the tab: the same ticks as the wizard's step 5."""
    link = connection()
    form = ChecklistForm()
    if form.validate_on_submit():
        state = dict(link.wizard_state or {})
        state["checklist"] = {name: getattr(form, name).data for name, _ in CHECKLIST}
        link.wizard_state = state
        link.save()
        flash("Checklist saved.", "success")
    return redirect(url_for("integrations.scim", _anchor="checklist"))


@bp.post("/okta/scim/self-test")
@requires(Action.RUN_WIZARD)
def scim_self_test():
    link = connection()
    checks = run_self_test(current_app._get_current_object(), link.organization)
    audit.record_request(
        "scim.self_test",
        organization=link.organization,
        target=link,
        details={"passed": all(c.passed for c in checks)},
    )
    return scim_tab(checks=checks)
