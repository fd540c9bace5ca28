"""Integrations > Okta > Okta API & sync > Connector settings (seed 000): the org URL,
the API token and the sign-in app's client ID and secret on one screen, saved and
tested together: Test connection per permission for the API, the OpenID configuration
for sign-in (saved as pending until a test sign-in makes it live)."""

from flask import redirect, request, url_for

from ..domain import email_domains as domains
from ..models import ApiAuth
from ..permissions import Action, check, requires
from ..sync import api_connection
from .api_views import tested
from .blueprint import bp
from .gate import connection
from .sso_views import save_sso
from .sync_forms import ConnectorForm
from .tabs import hub_page


@bp.route("/okta/connector", methods=["GET", "POST"])
@requires(Action.VIEW_SYNC)
def connector():
    link = connection()
    shown = link.pending_sso or link.live_sso
    form = ConnectorForm(
        org_url=link.api.org_url or (shown.issuer if shown else ""),
        client_id=shown.client_id if shown else "",
        email_domain=domains.primary_domain(link.organization),
        app_id=link.sync_settings.app_id,
    )
    apps = (link.api.last_check or {}).get("apps", [])
    form.app_id.choices = [("", "Nobody yet (pick an app)")] + [(a["id"], a["label"]) for a in apps]
    if request.method == "POST":
        check(Action.CONFIGURE_OKTA_API)
        if form.client_id.data:
            check(Action.CONFIGURE_SSO)
        if form.validate_on_submit() and _save_and_test(link, form):
            return redirect(url_for("integrations.connector", _anchor="results"))
    return hub_page(
        "api",
        "integrations/connector.html",
        connection=link,
        form=form,
        check=link.api.last_check,
        shown_sso=shown,
    ), 400 if form.errors else 200


def _save_and_test(link, form: ConnectorForm) -> bool:
    """Both parts, each with its errors next to its fields; True when both saved."""
    link.sync_settings.app_id = form.app_id.data or link.sync_settings.app_id
    api_ok = _save_api(link, form)
    sso_ok = _save_sso(link, form) if form.client_id.data else True
    return api_ok and sso_ok


def _save_api(link, form: ConnectorForm) -> bool:
    try:
        result = api_connection.save_and_check(
            link, ApiAuth.TOKEN, form.org_url.data, None, form.api_token.data
        )
    except api_connection.ApiSettingsError as exc:
        getattr(form, exc.field).errors.append(exc.message)
        return False
    tested(link, result)
    return True


def _save_sso(link, form: ConnectorForm) -> bool:
    if not (form.email_domain.data or "").strip():
        form.email_domain.errors.append("Enter the domain of your people's addresses.")
        return False
    errors = save_sso(link, form.org_url.data, form)
    for field, message in errors.items():
        getattr(form, "org_url" if field == "okta_domain" else field).errors.append(message)
    return not errors
