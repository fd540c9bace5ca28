"""The audit log and the member timeline."""

import csv
import io

from wizard.models import AuditEvent, Member


def test_admin_sees_own_events_filters_and_downloads(client, auth, admin, scim, other_org, db):
    scim.create_user("jane@acme.example.com")
    AuditEvent.create(organization=other_org, actor_label="someone", action="org.secret")
    auth.login()
    page = client.get("/team/audit").text
    assert "member.created" in page and "auth.sign_in" in page and "org.secret" not in page
    only = client.get("/team/audit?action=member.").text
    assert "member.created" in only and "auth.sign_in" not in only
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/team/audit.csv?action=member.").data.decode("utf-8-sig"))
        )
    )
    assert rows and all(row["action"].startswith("member.") for row in rows)
    assert all(row["organization"] == "acme" for row in rows)


def test_member_timeline_answers_why_jane_was_deactivated(client, auth, admin, scim):
    jane = scim.create_user("jane@acme.example.com")
    scim.patch(f"/Users/{jane['id']}", [{"op": "replace", "value": {"active": False}}])
    auth.login()
    page = client.get(f"/team/users/{jane['id']}/timeline").text
    assert "member created" in page and "member updated" in page
    assert "PATCH Users/" in page and "answered 200" in page
    assert page.index("member created") < page.index("PATCH Users/")


def test_timeline_of_another_organization_is_not_found(client, auth, admin, other_org, db):
    stranger = Member.create(
        organization=other_org, email="x@globex.example.com", email_key="x@globex.example.com"
    )
    auth.login()
    assert client.get(f"/team/users/{stranger.scim_id}/timeline").status_code == 404


def test_staff_views_are_audited(client, auth, staff, org, db):
    auth.login(email=staff.email)
    assert client.get("/support/audit?org=acme").status_code == 200
    assert AuditEvent.get(AuditEvent.action == "staff.viewed_audit_log").organization_id == org.id


def test_staff_console_shows_the_scim_log_with_filters(client, auth, staff, scim, org):
    scim.create_user("jane@acme.example.com", password="never-shown-1")
    scim.get("/Users/nope")
    auth.login(email=staff.email)
    page = client.get("/support/organizations/acme/scim-log").text
    assert "POST Users" in page and "404" in page and "never-shown-1" not in page
    only_errors = client.get("/support/organizations/acme/scim-log?status=4").text
    assert "POST Users" not in only_errors and "not found" in only_errors
    assert AuditEvent.get(AuditEvent.action == "staff.viewed_scim_log").organization_id == org.id


def test_admins_cannot_open_the_staff_console(client, auth, admin):
    auth.login()
    assert client.get("/support/organizations/acme/scim-log").status_code == 403
