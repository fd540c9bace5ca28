"""The failed-migrations inbox: failures made through real SCIM requests and the sync,
seen, filtered, downloaded, retried, linked, and cleared when a seat frees."""

import csv
import io
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.conftest import issue_scim_client, run_sync_now
from tests.test_browser_accounts import sign_in
from wizard.domain import failure_inbox as inbox
from wizard.models import FailedMigration, Member
from wizard.support import actions

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def body(user_name, email=None, given="Jane", family="Doe"):
    return {
        "schemas": [USER],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": email or user_name, "primary": True}],
    }


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login()
    return client


def post_action(client, failure, action, **data):
    from tests.conftest import csrf_token

    token = csrf_token(client.get("/team/failed-migrations?status=all").text)
    return client.post(
        f"/failed-migrations/{failure.id}/{action}", data={"csrf_token": token, **data}
    )


def test_every_reason_lands_in_the_inbox_with_filters(admin_client, scim, admin, org):
    admin.keep_local = False  # owners start kept local; this case needs one Okta reaches
    admin.save()
    scim.post("/Users", body("dup", admin.email))  # duplicate_email
    scim.post("/Users", {"userName": "nameless@acme.example.com"})  # invalid_data
    org.seat_limit = 1
    org.save()
    scim.post("/Users", body("full@acme.example.com"))  # license_limit
    group = scim.post("/Groups", {"displayName": "G", "members": [{"value": "nobody"}]})
    assert group.status_code == 201  # unknown_member
    admin.keep_local = True
    admin.save()
    scim.post("/Users", body(admin.email))  # local_member_protected
    org.enterprise_enabled = False
    org.save()
    scim.post("/Users", body("late@acme.example.com"))  # enterprise_disabled
    reasons = {row.reason for row in FailedMigration.select()}
    assert reasons == {
        "duplicate_email",
        "invalid_data",
        "license_limit",
        "unknown_member",
        "local_member_protected",
        "enterprise_disabled",
    }
    page = admin_client.get("/team/failed-migrations").text
    assert "License limit of 1 seats reached" in page and "nameless@acme.example.com" in page
    only = admin_client.get("/team/failed-migrations?reason=license_limit").text
    assert "full@acme.example.com" in only and "nameless@" not in only
    assert "dup" in admin_client.get("/team/failed-migrations?q=DUP").text


def test_csv_is_exactly_the_filtered_rows_and_formula_safe(admin_client, scim):
    scim.post("/Users", {"userName": '=HYPERLINK("http://evil")'})
    scim.post("/Users", {"userName": "other@acme.example.com"})
    response = admin_client.get("/team/failed-migrations.csv?q=hyperlink")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0]["user_name"].startswith("'=HYPERLINK")
    assert rows[0]["reason"] == "invalid_data" and rows[0]["organization"] == "acme"
    data = admin_client.get("/team/failed-migrations.json").json["failed_migrations"]
    assert {row["user_name"] for row in data} == {
        '=HYPERLINK("http://evil")',
        "other@acme.example.com",
    }


def test_retry_after_fixing_the_cause(admin_client, scim, org, db):
    holder = Member.create(
        organization=org,
        email="taken@acme.example.com",
        email_key="taken@acme.example.com",
        user_name="holder",
        user_name_key="holder",
    )
    scim.post("/Users", body("newbie", "taken@acme.example.com"))
    failure = FailedMigration.get()
    post_action(admin_client, failure, "retry")
    assert "Still refused" in admin_client.get("/team/failed-migrations").text
    assert FailedMigration.get_by_id(failure.id).attempts == 2
    holder.email, holder.email_key = "moved@acme.example.com", "moved@acme.example.com"
    holder.save()
    post_action(admin_client, failure, "retry")
    assert FailedMigration.get_by_id(failure.id).status == "resolved"
    assert Member.get(Member.user_name_key == "newbie").managed_by == "scim"


def test_link_a_duplicate_to_the_existing_member(admin_client, scim, org, db):
    local = Member.create(
        organization=org,
        email="pat@acme.example.com",
        email_key="pat@acme.example.com",
        user_name="pat.local",
        user_name_key="pat.local",
        title="Keeps this",
    )
    scim.post("/Users", body("pat@okta", "pat@acme.example.com"))
    post_action(admin_client, FailedMigration.get(), "link")
    linked = Member.get_by_id(local.id)
    assert (linked.managed_by, linked.user_name, linked.title) == ("scim", "pat@okta", "Keeps this")
    found = scim.get('/Users?filter=userName eq "pat@okta"').json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == linked.scim_id


def test_license_limit_rows_clear_when_a_seat_frees(app, scim, org, db):
    org.seat_limit = 2
    org.save()
    first = scim.create_user("one@acme.example.com")
    scim.create_user("two@acme.example.com")
    assert scim.post("/Users", body("three@acme.example.com")).status_code == 403
    scim.patch(f"/Users/{first['id']}", [{"op": "replace", "value": {"active": False}}])
    with app.app_context():
        assert actions.retry_license_limits() == 1
    assert FailedMigration.get().status == "resolved"
    assert Member.get(Member.user_name_key == "three@acme.example.com").active


def test_ignore_needs_a_note_and_resolve_works(admin_client, scim):
    scim.post("/Users", {"userName": "bad"})
    failure = FailedMigration.get()
    post_action(admin_client, failure, "ignore", note="")
    assert FailedMigration.get_by_id(failure.id).status == "open"
    refused = post_action(admin_client, failure, "ignore", note="x" * 501)
    assert FailedMigration.get_by_id(failure.id).status == "open"
    assert "under 500 characters" in admin_client.get(refused.headers["Location"]).text
    post_action(admin_client, failure, "ignore", note="test account")
    assert FailedMigration.get_by_id(failure.id).note == "test account"


def test_sync_failures_and_connection_errors_show(admin_client, app, synced_org, okta, admin):
    okta.add_users(1)
    okta.users["00u000001"]["profile"]["email"] = admin.email
    run_sync_now(app, synced_org)
    okta.token = "revoked"
    run_sync_now(app, synced_org)
    page = admin_client.get("/team/failed-migrations").text
    assert "Connection errors" in page and "Security &gt; API &gt; Tokens" in page
    assert "(sync)" in page


def test_admins_never_see_another_organizations_rows(admin_client, app, live_server, other_org, db):
    globex = issue_scim_client(app, other_org, live_server.url)
    globex.post("/Users", {"userName": "globex-bad"})
    failure = FailedMigration.get()
    assert "globex-bad" not in admin_client.get("/team/failed-migrations").text
    assert "globex-bad" not in admin_client.get("/team/failed-migrations.csv").text
    assert post_action(admin_client, failure, "resolve").status_code == 404
    assert FailedMigration.get_by_id(failure.id).status == "open"


def test_staff_see_every_organization_with_counts(
    client, auth, staff, app, live_server, org, other_org, db
):
    for organization, name in ((org, "acme-bad"), (other_org, "globex-bad")):
        issue_scim_client(app, organization, live_server.url).post("/Users", {"userName": name})
    auth.login(email=staff.email)
    page = client.get("/support/failed-migrations").text
    assert "acme-bad" in page and "globex-bad" in page and "Invalid data \u00d7 1" in page
    filtered = client.get("/support/failed-migrations?org=globex").text
    assert "globex-bad" in filtered and "acme-bad" not in filtered
    assert client.get("/team/failed-migrations").status_code == 200  # staff reach both doors


def test_csv_cells_are_spreadsheet_safe():
    assert inbox.spreadsheet_safe("=1+1") == "'=1+1"
    assert inbox.spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert inbox.spreadsheet_safe("jane@acme") == "jane@acme"


@pytest.mark.browser
def test_browser_inbox_filters_and_csv(page, live_server, admin, scim, screenshot):
    scim.post("/Users", {"userName": "broken-one"})
    scim.post("/Users", {"userName": "broken-two@acme.example.com"})
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/team/failed-migrations")
    expect(page.get_by_text("broken-one")).to_be_visible()
    page.get_by_label("Search").fill("two")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("broken-one")).to_have_count(0)
    screenshot("failed-migrations")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    with open(download_info.value.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["user_name"] for row in rows] == ["broken-two@acme.example.com"]
    assert datetime.fromisoformat(rows[0]["last_seen"].rstrip("Z"))


def test_actions_return_to_the_inbox_never_to_another_host(admin_client, scim):
    scim.post("/Users", {"userName": "bad"})
    failure = FailedMigration.get()
    from tests.conftest import csrf_token

    token = csrf_token(admin_client.get("/team/failed-migrations").text)
    response = admin_client.post(
        f"/failed-migrations/{failure.id}/resolve",
        data={"csrf_token": token},
        headers={"Referer": "https://evil.example.com/team/failed-migrations?status=all"},
    )
    assert response.headers["Location"] == "/team/failed-migrations?status=all"


def test_retry_never_revives_a_user_okta_deleted(admin_client, app, scim, org, db):
    """Attack by replay: Okta's reactivation of Pat is refused (no seat), then Okta deletes
    Pat. A seat frees up: the seat retry (and the Retry button) replayed the old PATCH on
    the deleted member, who came back active yet invisible to SCIM (Okta could never
    deactivate them again). A deleted member is not there to retry on."""
    org.seat_limit = 3  # the owner, other and third
    org.save()
    pat = scim.create_user("pat@acme.example.com")
    scim.patch(f"/Users/{pat['id']}", [{"op": "replace", "value": {"active": False}}])
    other = scim.create_user("other@acme.example.com")
    scim.create_user("third@acme.example.com")
    refused = scim.patch(f"/Users/{pat['id']}", [{"op": "replace", "value": {"active": True}}])
    assert refused.status_code == 403
    assert scim.delete(f"/Users/{pat['id']}").status_code == 204
    scim.patch(f"/Users/{other['id']}", [{"op": "replace", "value": {"active": False}}])
    failure = FailedMigration.get(FailedMigration.reason == "license_limit")
    post_action(admin_client, failure, "retry")
    with app.app_context():
        actions.retry_license_limits()
    revived = Member.get(Member.scim_id == pat["id"])
    assert not revived.active and revived.scim_hidden
    assert scim.get(f"/Users/{pat['id']}").status_code == 404
    # A row left open from before (the delete now resolves it): the scheduler's seat
    # retry closes it instead of failing the whole tick on it, every minute.
    FailedMigration.update(status="open").where(FailedMigration.id == failure.id).execute()
    with app.app_context():
        actions.retry_license_limits()
    assert FailedMigration.get_by_id(failure.id).status == "resolved"
    assert not Member.get(Member.scim_id == pat["id"]).active


def test_nothing_from_okta_is_replayed_after_a_disconnect(admin_client, app, scim, org, db):
    """Okta's reactivation of Pat was refused for want of a seat. The EnterpriseAdmin
    disconnects Okta (its members deactivated, seats free): the scheduler's seat retry
    then replayed Okta's old PATCH and reactivated Pat, an Okta change applied after Okta
    was disconnected. Nothing queued from Okta is applied once it is disconnected."""
    from tests.conftest import csrf_token

    org.seat_limit = 3  # the owner, other and third
    org.save()
    pat = scim.create_user("pat@acme.example.com")
    scim.patch(f"/Users/{pat['id']}", [{"op": "replace", "value": {"active": False}}])
    scim.create_user("other@acme.example.com")
    scim.create_user("third@acme.example.com")
    refused = scim.patch(f"/Users/{pat['id']}", [{"op": "replace", "value": {"active": True}}])
    assert refused.status_code == 403
    page = admin_client.get("/integrations/okta/disconnect").text
    admin_client.post(
        "/integrations/okta/disconnect",
        data={"csrf_token": csrf_token(page), "confirm_name": "Acme"},
    )
    with app.app_context():
        actions.retry_license_limits()
    assert not Member.get(Member.scim_id == pat["id"]).active
    failure = FailedMigration.get(FailedMigration.reason == "license_limit")
    assert post_action(admin_client, failure, "retry").status_code == 302
    assert not Member.get(Member.scim_id == pat["id"]).active
