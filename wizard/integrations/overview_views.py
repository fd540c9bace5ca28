"""Integrations: the list of identity providers, with Okta's status card."""

from flask import render_template
from flask_login import current_user

from .. import connections, domain_verification, domains, sso_settings
from ..connect import live
from ..permissions import Action, allowed, requires
from .blueprint import bp
from .sign_in_views import enforcement_form


@bp.get("")
@requires(Action.VIEW_INTEGRATIONS)
def index():
    organization = current_user.organization
    connection = connections.connection_for(organization)
    tokens = list(connections.live_tokens(connection)) if connection else []
    return render_template(
        "integrations/integrations.html",
        organization=organization,
        connection=connection,
        tokens=tokens,
        uris=sso_settings.redirect_uris(organization),
        scim_endpoint=connections.scim_endpoint(connection) if connection else None,
        health=live.connection_health(connection) if connection else None,
        email_domains=domains.claims_of(organization),
        domain_notices=domain_verification.notices(organization),
        can_connect=allowed(Action.RUN_WIZARD),
        enforcement_form=(
            enforcement_form(connection)
            if connection and allowed(Action.MANAGE_SIGN_IN_RULES)
            else None
        ),
    )
