"""Simulated Okta's console: small pages for what an admin touches in a real Okta (the
directory, the two apps, Push Groups, the API token and service app, the sign-in page)
and the scenarios that break things on purpose. Each action that Okta would provision
sends the SCIM requests at once and shows them with our answers.

These pages are Okta's, not the product's: nobody signs in to them (a development
server on 127.0.0.1 only; config.py refuses SIMULATED_OKTA in production), and they
never read or write our database. Their forms carry CSRF tokens like ours."""

from . import (
    apps_views,
    directory_views,
    home_views,
    scenario_views,
    security_views,
    sign_in_views,
)
from .blueprint import bp

__all__ = [
    "apps_views",
    "bp",
    "directory_views",
    "home_views",
    "scenario_views",
    "security_views",
    "sign_in_views",
]
