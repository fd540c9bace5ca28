"""Integrations and Integrations > Okta's Overview: each part's state, last event and next
action; the guided setup's progress; the notices that concern the whole connection."""

from flask import render_template
from flask_login import current_user

from ..connect import live, steps
from ..domain import connections
from ..domain import email_domain_verification as domain_verification
from ..domain import email_domains as domains
from ..permissions import Action, allowed, requires
from ..sso import settings as sso_settings
from .blueprint import bp
from .gate import enterprise_organization
from .parts import all_parts
from .tabs import hub_page, visible_tabs


def guided_setup(connection) -> dict:
    """The Connect Okta wizard's progress: optional, it edits the settings the tabs do."""
    done = len(steps.done_steps(connection)) if connection else 0
    finished = bool(connection and connection.status == "active")
    label = {True: "Reopen the setup", False: "Continue setup" if done else "Connect Okta"}
    return {"done": done, "total": len(steps.SLUGS), "finished": finished, "label": label[finished]}


@bp.get("")
@requires(Action.VIEW_INTEGRATIONS)
def index():
    organization = current_user.organization
    connection = connections.connection_for(organization)
    enterprise = organization.enterprise_enabled
    return render_template(
        "integrations/integrations.html",
        organization=organization,
        connection=connection,
        parts=all_parts(organization, connection) if enterprise else {},
        tabs=visible_tabs() if enterprise else [],
        guided=guided_setup(connection),
        email_domains=domains.claims_of(organization),
        domain_notices=domain_verification.notices(organization),
        can_connect=allowed(Action.RUN_WIZARD),
    )


@bp.get("/okta")
@requires(Action.VIEW_INTEGRATIONS)
def okta():
    organization = enterprise_organization()
    connection = connections.connection_for(organization)
    return hub_page(
        "overview",
        "integrations/okta.html",
        organization=organization,
        connection=connection,
        guided=guided_setup(connection),
        health=live.connection_health(connection) if connection else None,
        uris=sso_settings.redirect_uris(organization),
        scim_endpoint=connections.scim_endpoint(connection) if connection else None,
        domain_notices=domain_verification.notices(organization),
        can_connect=allowed(Action.RUN_WIZARD),
    )
