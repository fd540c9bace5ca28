"""SCIM code that does not depend on the request: resources are built from the base URL
they are given, and a stored operation is applied by the same module (wizard/scim/
replay.py) whether a route received it or support (or the scheduler) retries it, from a
plain app context with no request and no fake ``g``."""

import pytest
from flask import g

from wizard.models import FailedMigration, Member, Organization, utcnow
from wizard.scim.mapping import user_to_scim
from wizard.support import actions
from wizard.sync import jobs

BASE = "https://connector.example.com/scim/v2/k3y"


def seat_refused_reactivation(scim, org) -> dict:
    """Jane, deactivated by Okta, then reactivated while no seat is free: a stored PATCH."""
    jane = scim.create_user("jane@acme.example.com")
    off = [{"op": "replace", "value": {"active": False}}]
    assert scim.patch(f"/Users/{jane['id']}", off).status_code == 200
    Organization.update(seat_limit=0).where(Organization.id == org.id).execute()
    on = [{"op": "replace", "value": {"active": True}}]
    assert scim.patch(f"/Users/{jane['id']}", on).status_code == 403
    failure = FailedMigration.get()
    assert (failure.reason, failure.request["method"]) == ("license_limit", "PATCH")
    return jane


def free_seats(org):
    Organization.update(seat_limit=10).where(Organization.id == org.id).execute()


def test_resources_are_built_from_the_base_url_given(app_context, org, db):
    """No request, no ``g``: the URLs in a resource come from the base URL passed in."""
    email = "a@acme.example.com"
    member = Member.create(organization=org, email=email, email_key=email)
    user = user_to_scim(member, BASE, [("g1", "Team")])
    assert user["meta"]["location"] == f"{BASE}/Users/{member.scim_id}"
    assert user["groups"][0]["$ref"] == f"{BASE}/Groups/g1"
    assert "scim_connection" not in g


def test_a_retry_runs_from_a_plain_app_context(app, scim, org):
    """Support's retry of a stored PATCH (which rebuilds the user's SCIM resource) needs
    no request: it applies from an app context alone and leaves no connection in ``g``."""
    jane = seat_refused_reactivation(scim, org)
    free_seats(org)
    with app.app_context():
        outcome = actions.retry(FailedMigration.get())
        assert "scim_connection" not in g and "scim" not in g
    assert outcome == "Applied: the change went through."
    assert Member.get(Member.scim_id == jane["id"]).active
    assert FailedMigration.get().status == "resolved"


def test_the_schedulers_seat_retries_need_no_request(app, scim, org):
    """The scheduler's housekeeping retries license-limit rows from its own app context."""
    jane = seat_refused_reactivation(scim, org)
    free_seats(org)
    with app.app_context():
        assert jobs.housekeeping(utcnow())["license_limit_retries"] == 1
        assert "scim_connection" not in g
    assert Member.get(Member.scim_id == jane["id"]).active


def test_a_retry_never_revives_a_user_okta_deleted(app, scim, org):
    """Attack: a stored reactivation of a user Okta has since deleted is retried. The
    retry sees the members SCIM sees, as the route does: the user is gone, nothing is
    reactivated (the old retry found the hidden row by id and reactivated it)."""
    jane = seat_refused_reactivation(scim, org)
    assert scim.delete(f"/Users/{jane['id']}").status_code == 204
    free_seats(org)
    with app.app_context(), pytest.raises(actions.ActionError, match="no longer exists"):
        actions.retry(FailedMigration.get())
    gone = Member.get(Member.scim_id == jane["id"])
    assert not gone.active and gone.scim_hidden


def test_a_seat_retry_that_can_never_apply_does_not_stop_the_tick(app, scim, org):
    """The scheduler meets such a row too: it is closed with the reason, and the rest of
    housekeeping runs (a refusal used to escape the tick, every minute). A SCIM delete
    now resolves the user's failures itself, so the member is put out of SCIM's reach
    the other way: kept local by an admin meanwhile."""
    jane = seat_refused_reactivation(scim, org)
    Member.update(keep_local=True).where(Member.scim_id == jane["id"]).execute()
    free_seats(org)
    with app.app_context():
        result = jobs.housekeeping(utcnow())
    assert result["license_limit_retries"] == 0 and "domains_rechecked" in result
    closed = FailedMigration.get()
    assert closed.status == "resolved" and "no longer exists" in closed.note


def test_route_and_retry_build_the_same_resource(app, scim, org):
    """What the route answers and what the replay module builds for the same member are
    one function's output, with the connection's base URL."""
    created = scim.create_user("raj@acme.example.com", title="Engineer")
    member = Member.get(Member.scim_id == created["id"])
    with app.app_context():
        from wizard.domain.connections import connection_for
        from wizard.scim.context import ScimContext

        context = ScimContext.of(connection_for(org))
        built = user_to_scim(member, context.base_url, None, None)
    assert context.base_url == scim.base
    assert {k: v for k, v in built.items() if k != "groups"} == {
        k: v for k, v in scim.get(f"/Users/{created['id']}").json().items() if k != "groups"
    }
