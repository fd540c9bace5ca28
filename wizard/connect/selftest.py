"""*Run self-test*: replay the requests Okta will send through our SCIM app, in-process
(a WSGI client, not an HTTP call to our own public URL), inside a transaction that is
rolled back, so the admin sees pass/fail per request and nothing stays behind."""

import json
import secrets
from dataclasses import dataclass

from flask import Flask, g

from ..db import database
from ..domain import connections
from ..models import Organization

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class Check:
    name: str
    method: str
    path: str
    expected: int
    status: int = 0
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == self.expected


def run_self_test(app: Flask, organization: Organization) -> list[Check]:
    # A fresh app context gives the replayed requests their own ``g``: a request nested in
    # the caller's context would share it and leave its SCIM state on the outer request.
    with app.app_context(), database.atomic() as transaction:
        # Rolled back, so not logged either: the request log is written apart from the
        # request's transaction (wizard/scim/log_writer.py) and would keep rows of it.
        g.scim_not_logged = True
        try:
            return _replay(app, organization)
        finally:
            transaction.rollback()


def _replay(app: Flask, organization: Organization) -> list[Check]:
    connection = connections.ensure_connection(organization)
    _, token = connections.issue_scim_token(connection)
    client = app.test_client()
    base = f"/scim/v2/{connection.scim_key}"
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/scim+json",
        "User-Agent": "Okta SCIM Client 1.0.0 (self-test)",
    }
    user_name = f"self-test-{secrets.token_hex(4)}@example.invalid"
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Self", "familyName": "Test"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "password": "placeholder",
        "active": True,
    }
    checks: list[Check] = []
    ids: dict[str, str] = {}

    def send(check: Check, body=None, keep=None):
        response = client.open(
            base + check.path.format(**ids),
            method=check.method,
            data=None if body is None else json.dumps(body),
            headers=headers,
        )
        check.status = response.status_code
        payload = response.get_json(silent=True) or {}
        check.detail = payload.get("detail", "") if not check.passed else ""
        if keep and check.passed:
            ids[keep] = payload.get("id", "")
        checks.append(check)
        return check.passed

    lookup = f'/Users?filter=userName eq "{user_name}"&startIndex=1&count=100'
    send(Check("Look the user up (existence check)", "GET", lookup, 200))
    if not send(Check("Create the user", "POST", "/Users", 201), user, keep="user"):
        return checks
    send(
        Check("Update a profile attribute", "PUT", "/Users/{user}", 200),
        {**user, "title": "Tester", "name": {"givenName": "Self", "familyName": "Tested"}},
    )
    send(
        Check("Deactivate the user", "PATCH", "/Users/{user}", 200),
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    if send(
        Check("Push a group", "POST", "/Groups", 201),
        {"displayName": f"Self-test {user_name}", "members": []},
        keep="group",
    ):
        send(
            Check("Push the group's members", "PATCH", "/Groups/{group}", 200),
            {
                "schemas": [PATCH],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": ids["user"]}]}],
            },
        )
    return checks
