"""Okta's answers that Test connection shows, read defensively: admin role assignments
(only Okta's role types, never prose) and the list of apps for the app picker. A wrong
shape is a failed check (``bad_response``), never a crash."""

import re

from .okta_api import OktaApiError

ROLE_LABELS = {
    "SUPER_ADMIN": "Super Admin",
    "ORG_ADMIN": "Org Admin",
    "APP_ADMIN": "App Admin",
    "USER_ADMIN": "Group Admin",
    "GROUP_MEMBERSHIP_ADMIN": "Group Membership Admin",
    "READ_ONLY_ADMIN": "Read-only Admin",
    "HELP_DESK_ADMIN": "Help Desk Admin",
}
CAN_ADD_APPS = {"SUPER_ADMIN", "ORG_ADMIN", "APP_ADMIN"}
# Okta's own apps (Admin Console, Dashboard, Browser Plugin, Workflows): every org has
# them and nobody syncs "the people assigned to" them, so the app picker leaves them out.
OKTA_OWN_APPS = frozenset({"saasure", "okta_enduser", "okta_browser_plugin", "okta_flow_sso"})
ROLE_TYPE = re.compile(r"^[A-Z_]{1,40}$")  # shown on the page: Okta's vocabulary, no prose


def role_types(answer) -> list[tuple[str, str]]:
    """(type, label) of each role in Okta's list of role assignments."""
    if not isinstance(answer, list) or not all(isinstance(r, dict) for r in answer):
        raise OktaApiError("bad_response", "Okta's answer for the admin roles is not a list.")
    types = (str(role.get("type", "")) for role in answer)
    return [
        (kind, ROLE_LABELS.get(kind, kind.replace("_", " ").title()))
        for kind in types
        if ROLE_TYPE.match(kind)
    ]


def parse_apps(answer) -> list[dict]:
    """Active apps (id, label) from Okta's list; anything else is a failed check."""
    not_apps = OktaApiError(
        "bad_response", "Okta's answer to /api/v1/apps is not a list of apps: check the org URL."
    )
    if not isinstance(answer, list):
        raise not_apps
    apps = []
    for app in answer:
        if not isinstance(app, dict) or not isinstance(app.get("id"), str):
            raise not_apps
        if app.get("status", "ACTIVE") == "ACTIVE" and app.get("name") not in OKTA_OWN_APPS:
            apps.append({"id": app["id"], "label": str(app.get("label") or app["id"])})
    return apps
