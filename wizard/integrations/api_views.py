"""Integrations > Okta > Okta API & sync, the connection: the connection items, *Save
and test connection* (per scope), and the API Services app's key pair."""

from flask import flash, redirect, request, url_for

from .. import permissions
from ..domain import audit
from ..permissions import Action, requires
from ..sync import api_connection, service_app_keys, sync_scope
from .blueprint import bp
from .gate import connection
from .sync_forms import ApiForm
from .tabs import hub_page

REVOKE_OLD_CREDENTIAL = (
    "The API token is no longer stored or used: revoke it in Okta (Security > API > Tokens)."
)


@bp.route("/okta/api", methods=["GET", "POST"])
@requires(Action.VIEW_SYNC)
def api():
    link = connection()
    form = ApiForm(
        org_url=link.api.org_url,
        app_id=link.sync_settings.app_id,
        client_id=link.api.oauth_client_id,
    )
    if request.method == "GET":
        form.auth.data = api_connection.chosen_auth(link)
    apps = (link.api.last_check or {}).get("apps", [])
    form.app_id.choices = [("", "Nobody yet (pick an app)")] + [(a["id"], a["label"]) for a in apps]
    if request.method == "POST":
        permissions.check(Action.CONFIGURE_OKTA_API)  # reading is for admins; saving is not
    if form.validate_on_submit():
        had_token = bool(link.api.token)
        link.sync_settings.app_id = form.app_id.data or link.sync_settings.app_id
        try:
            check = api_connection.save_and_check(
                link, form.auth.data, form.org_url.data, form.client_id.data, form.api_token.data
            )
        except api_connection.ApiSettingsError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            tested(link, check)
            if had_token and not link.api.token:
                flash(REVOKE_OLD_CREDENTIAL, "info")
            return redirect(url_for("integrations.api"))
    return hub_page(
        "api",
        "integrations/api.html",
        connection=link,
        form=form,
        public_jwk=service_app_keys.public_jwk(link),
        check=link.api.last_check,
    )


def tested(link, check: dict) -> None:
    """After *Save and test connection*: audited, the result said, and a passing test
    that found one app to sync from picks it (seed 000: people are synced after the
    first Test connection, without another choice to make)."""
    audit.record_request(
        "sync.api_tested",
        organization=link.organization,
        target=link,
        details={"ok": check["ok"], "auth": link.api.auth, "org_url": link.api.org_url},
    )
    flash(
        "Connection works." if check["ok"] else "The test found problems: see below.",
        "success" if check["ok"] else "error",
    )
    picked = sync_scope.pick_only_candidate(link) if check["ok"] else None
    if picked is not None:
        flash(
            f"The sync reads the people assigned to {picked['label']}, the only app found.", "info"
        )


@bp.post("/okta/api/key")
@requires(Action.CONFIGURE_OKTA_API)
def api_key():
    """Make (or replace) the service app's key pair; its public half is shown to paste."""
    link = connection()
    replaced = bool(link.api.oauth_public_jwk)
    jwk = service_app_keys.create_key_pair(link)
    audit.record_request(
        "sync.service_app_key_created",
        organization=link.organization,
        target=link,
        details={"kid": jwk["kid"], "replaced": replaced},
    )
    flash(
        "New key pair made: add its public key in Okta (and delete the old one there), then "
        "test the connection."
        if replaced
        else "Key pair made: add its public key in Okta, as the steps below say.",
        "success",
    )
    return redirect(url_for("integrations.api", _anchor="service-app"))
