"""Statements per request of Okta's provisioning mix: each is a round trip on
PostgreSQL, so the count is the budget (docs/benchmarks.md). Counted on the live server
through peewee's hooks; the rules and records each request promises are asserted too,
so a count can only go down by doing the same work in fewer statements."""

from tests.query_counter import statements
from wizard.models import AuditEvent, Member, ScimEvent
from wizard.scim import request_log

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def new_user(name: str) -> dict:
    return {
        "schemas": [USER],
        "userName": name,
        "name": {"givenName": "Round", "familyName": "Trip"},
        "emails": [{"value": name, "type": "work", "primary": True}],
        "active": True,
    }


def counted(call):
    with statements() as seen:
        response = call()
    return response, seen


def test_okta_mix_statement_budget(app, scim, db):
    scim.get("/Users")  # the token is verified once; the mix runs with it remembered
    group = scim.post("/Groups", {"displayName": "Engineers"}).json()
    name = "round@acme.example.com"

    lookup, seen = counted(lambda: scim.get(f'/Users?filter=userName eq "{name}"'))
    assert lookup.json()["totalResults"] == 0 and len(seen) <= 2, seen

    created, seen = counted(lambda: scim.post("/Users", new_user(name)))
    assert created.status_code == 201 and created.json()["groups"] == []
    # auth, existence + email, the seat count (Acme has a limit), insert, failures, audit
    assert len(seen) <= 6, seen
    user = created.json()["id"]

    title = [{"op": "replace", "path": "title", "value": "Engineer"}]
    patched, seen = counted(lambda: scim.patch(f"/Users/{user}", title))
    assert patched.json()["title"] == "Engineer" and len(seen) <= 7, seen

    add = [{"op": "add", "path": "members", "value": [{"value": user}]}]
    pushed, seen = counted(lambda: scim.patch(f"/Groups/{group['id']}", add))
    assert [m["value"] for m in pushed.json()["members"]] == [user] and len(seen) <= 9, seen

    off = [{"op": "replace", "value": {"active": False}}]
    deactivated, seen = counted(lambda: scim.patch(f"/Users/{user}", off))
    assert deactivated.json()["active"] is False and len(seen) <= 8, seen
    assert deactivated.json()["groups"][0]["value"] == group["id"]

    member = Member.get(Member.scim_id == user)
    assert (member.active, member.title, member.version) == (False, "Engineer", 3)
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions == [
        "group.created",
        "member.created",
        "member.updated",  # the title
        "group.members_changed",
        "member.updated",  # active: false
    ]
    request_log.flush(app)
    assert ScimEvent.select().count() == 7  # every request logged, none by the request itself
