"""The OAuth 2.0 scopes the connector asks Okta for, and where in Okta an admin grants
each one. Read scopes only: nothing the connector holds could change Okta.

Okta grants a scope per app (Okta API Scopes tab) and checks the app's admin role for
the resources (Admin roles tab); both are needed ("Implement OAuth for Okta with a
service app"). ``okta.users.manage.self``, which some vendors' guides list, is for a
signed-in user changing their own profile: a service app has no user, so we never ask.
"""

import re
from enum import StrEnum


class OktaScope(StrEnum):
    USERS_READ = "okta.users.read"  # /api/v1/users
    GROUPS_READ = "okta.groups.read"  # /api/v1/groups and their members
    APPS_READ = "okta.apps.read"  # /api/v1/apps and their assigned users
    ROLES_READ = "okta.roles.read"  # /oauth2/v1/clients/{clientId}/roles
    SCHEMAS_READ = "okta.schemas.read"  # the user profile schema (User detail mapping)


# What one sync reads: users, groups with their members, the picked app's assignments.
SYNC_SCOPES = (OktaScope.USERS_READ, OktaScope.GROUPS_READ, OktaScope.APPS_READ)
SCOPE_NAME = re.compile(r"^okta\.[a-z]+(\.[a-z]+)*$")  # Okta's vocabulary, safe to show
ENOUGH_ROLE = "Read-only Administrator"
CONSOLE = "Okta Admin Console > Applications > Applications"


def app_name(client_id: str, label: str | None = None) -> str:
    """The app as the admin finds it in Okta's list: its label when we could read it."""
    return label or f"the API Services app with client ID {client_id}"


def grant_fix(scope: str, app: str) -> str:
    return f"{CONSOLE} > {app} > Okta API Scopes > Grant {scope}"


def role_fix(app: str) -> str:
    return f"{CONSOLE} > {app} > Admin roles > Edit assignments > {ENOUGH_ROLE} > Save changes"


def known_scopes(text: str) -> list[str]:
    """The scope names in a ``scope`` parameter Okta sent, only those of its vocabulary."""
    return [name for name in (text or "").split()[:10] if SCOPE_NAME.match(name)]
