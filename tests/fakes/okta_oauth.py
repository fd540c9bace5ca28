"""The tests' names for Simulated Okta's org authorization server (wizard/simulator/)."""

from wizard.simulator.oauth_server import OrgAuthorizationServer, Refusal
from wizard.simulator.service_apps import (
    ASSERTION_TYPE,
    GRANTED,
    OKTA_SCOPES,
    SERVICE_CLIENT_ID,
    ServiceApp,
    access_token_hash,
    scope_for,
)

__all__ = [
    "ASSERTION_TYPE",
    "GRANTED",
    "OKTA_SCOPES",
    "SERVICE_CLIENT_ID",
    "OrgAuthorizationServer",
    "Refusal",
    "ServiceApp",
    "access_token_hash",
    "scope_for",
]
