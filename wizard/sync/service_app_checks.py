"""*Test connection* for an API Services app: each scope the connector needs, checked for
real (a token for that scope alone, then the call it allows), and the app's admin roles
(Okta requires one: scopes say what the app may do, the role on which resources). Every
failure names the fix in Okta's menus. Stores nothing; Okta's answers are checked for
their shape, and none of its text is shown but app labels and role types.
"""

from collections.abc import Callable

from .okta_answers import parse_apps, role_types
from .okta_api import OktaApiError, OktaClient
from .okta_scopes import ENOUGH_ROLE, OktaScope, app_name, grant_fix, role_fix

CHECKS = (
    ("users", "Read users", OktaScope.USERS_READ, "/api/v1/users", {"limit": 1}),
    ("groups", "Read groups", OktaScope.GROUPS_READ, "/api/v1/groups", {"limit": 1}),
    ("apps", "List apps", OktaScope.APPS_READ, "/api/v1/apps", {"limit": 200}),
    ("roles", "Read its admin roles", OktaScope.ROLES_READ, "/oauth2/v1/clients/{}/roles", None),
)
MORE_THAN_NEEDED = {"SUPER_ADMIN", "ORG_ADMIN"}
HOLDER = "The service app"


def run_checks(client_for: Callable[[str], OktaClient], client_id: str) -> dict:
    """``client_for(scope)``: a client whose calls carry a token for that scope."""
    answers: dict[str, object] = {}
    for key, _, scope, path, params in CHECKS:
        try:
            answers[key] = client_for(scope).get(path.format(client_id), params)
        except OktaApiError as error:
            if not answers and error.kind not in ("scope", "forbidden"):
                return refused_check(error.message, error.kind)  # Okta refused the app
            answers[key] = error
    apps = _apps(answers["apps"])
    label = next((a["label"] for a in apps if a["id"] == client_id), None)
    app = app_name(client_id, label)
    results = {key: _result(key, answers[key], app) for key, *_ in CHECKS}
    roles = _roles(answers["roles"], results, app)
    return {
        "ok": all(result["ok"] for result in results.values()),
        "auth": "service_app",
        "holder": HOLDER,
        "results": results,
        "roles": [label for _, label in roles],
        "roles_hint": _hint(roles),
        "can_add_apps": False,  # a service app adds no apps here: the wizard asks the admin
        "apps": [a for a in apps if a["id"] != client_id],  # nobody is assigned to it
    }


def refused_check(message: str, kind: str = "auth") -> dict:
    """Every check failed for one reason (wrong client ID or key, org URL unreachable)."""
    results = {
        key: {"ok": False, "label": label, "scope": scope.value, "message": message, "kind": kind}
        for key, label, scope, *_ in CHECKS
    }
    return {
        "ok": False,
        "auth": "service_app",
        "holder": HOLDER,
        "refused": message,
        "refused_kind": kind,
        "results": results,
        "roles": [],
        "can_add_apps": False,
        "apps": [],
    }


def _result(key: str, answer, app: str) -> dict:
    label, scope = next((label, scope) for k, label, scope, *_ in CHECKS if k == key)
    result = {"ok": True, "label": label, "scope": scope.value}
    if isinstance(answer, OktaApiError):
        if answer.kind == "scope":
            message = f"Not granted: {grant_fix(answer.scope or scope, app)}."
        elif answer.kind == "forbidden":
            message = f"The app's admin role does not allow this: {role_fix(app)}."
        else:
            message = answer.message
        result.update(ok=False, message=message, kind=answer.kind)
    return result


def _apps(answer) -> list[dict]:
    if isinstance(answer, OktaApiError):
        return []
    try:
        return parse_apps(answer)
    except OktaApiError:
        return []


def _roles(answer, results: dict, app: str) -> list[tuple[str, str]]:
    """(type, label) of the app's admin roles; none is a failed check with the fix."""
    if isinstance(answer, OktaApiError):
        return []
    try:
        roles = role_types(answer)
    except OktaApiError as error:
        results["roles"].update(ok=False, message=error.message, kind=error.kind)
        return []
    if not roles:
        results["roles"].update(
            ok=False,
            message=f"The app has no admin role, and Okta requires one: {role_fix(app)}.",
            kind="forbidden",
        )
    return roles


def _hint(roles: list[tuple[str, str]]) -> str:
    broad = [label for kind, label in roles if kind in MORE_THAN_NEEDED]
    if not broad:
        return ""
    return (
        f"{HOLDER} holds {', '.join(broad)}: more than the connector needs (it only reads); "
        f"{ENOUGH_ROLE} is enough."
    )
