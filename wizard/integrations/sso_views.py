"""Integrations > Okta > Single sign-on: the live and pending settings, the redirect
URIs to copy, the form that saves new settings (pending until a test sign-in), the test
sign-in that comes back here, the email domains and the sign-in rules. The wizard's SSO
step edits the same settings."""

from flask import flash, redirect, request, session, url_for
from flask_login import current_user

from .. import security_headers
from ..connect.forms import SsoForm
from ..domain import audit
from ..domain import email_domains as domains
from ..permissions import Action, allowed, check, requires
from ..sso import configurations as sso_configurations
from ..sso import settings as sso_settings
from .blueprint import bp
from .gate import connection, enterprise_organization, existing_connection
from .sign_in_views import enforcement_form
from .tabs import hub_page


@bp.route("/okta/sso", methods=["GET", "POST"])
@requires(Action.VIEW_INTEGRATIONS)
def sso():
    organization = enterprise_organization()
    link = existing_connection()
    shown = sso_configurations.for_test(link) if link else None
    if shown is not None:
        security_headers.allow_form_redirect_to(shown.issuer)  # Test sign-in's redirect
    form = SsoForm(
        okta_domain=shown.issuer if shown else "",
        client_id=shown.client_id if shown else "",
        email_domain=domains.primary_domain(organization),
    )
    if request.method == "POST":
        check(Action.CONFIGURE_SSO)  # reading is for everyone here; saving is not
        if form.validate_on_submit():
            errors = save_sso(connection(), form.okta_domain.data, form)
            for field, message in errors.items():
                getattr(form, field).errors.append(message)
            if not errors:
                return redirect(url_for("integrations.sso"))
    return hub_page(
        "sso",
        "integrations/sso.html",
        connection=link,
        form=form,
        test_result=session.pop("sso_test", None),
        uris=sso_settings.redirect_uris(organization),
        email_domains=domains.claims_of(organization),
        live_sso=link.live_sso if link else None,
        pending_sso=link.pending_sso if link else None,
        enforcement_form=(
            enforcement_form(link) if link and allowed(Action.MANAGE_SIGN_IN_RULES) else None
        ),
    ), 400 if form.errors else 200


def save_sso(link, issuer_or_domain: str, form) -> dict[str, str]:
    """Save ``form``'s client ID, secret and email domain for ``issuer_or_domain`` as
    pending settings, audited; returns the refusals by field (``okta_domain`` for the
    issuer), none when saved."""
    try:
        changes = sso_settings.save_sso_settings(
            link,
            okta_domain=issuer_or_domain,
            client_id=form.client_id.data,
            client_secret=form.client_secret.data,
            email_domain=form.email_domain.data,
            saved_by=current_user._get_current_object(),
            saved_by_label=current_user.email,
        )
    except sso_settings.SsoSettingsError as exc:
        return exc.errors
    audit.record_request(
        "sso.settings_saved", organization=link.organization, target=link, details=changes
    )
    flash(
        "Single sign-on settings saved (a secret is stored encrypted). "
        + ("Run the test sign-in to make them live." if changes["pending"] else ""),
        "success",
    )
    return {}
