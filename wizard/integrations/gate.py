"""What every Integrations > Okta page starts from: the signed-in member's organization,
which must have the Enterprise feature (403 otherwise), and its Okta connection."""

from flask import abort
from flask_login import current_user

from ..domain import connections
from ..models import OktaConnection, Organization


def enterprise_organization() -> Organization:
    """The signed-in member's organization; 403 without the Enterprise feature."""
    organization = current_user.organization
    if not organization.enterprise_enabled:
        abort(403)
    return organization


def connection() -> OktaConnection:
    """The organization's connection, made on first use (a page that saves a setting)."""
    return connections.ensure_connection(enterprise_organization())


def existing_connection() -> OktaConnection | None:
    """The organization's connection if any setting was ever saved (pages that only show)."""
    return connections.connection_for(enterprise_organization())
