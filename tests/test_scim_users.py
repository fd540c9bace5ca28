"""SCIM Users: the product rules, each through real requests."""

import json

import pytest

from wizard.domain.roles import OrgRole
from wizard.models import AuditEvent, FailedMigration, Member, RoleAssignment, ScimEvent
from wizard.scim import request_log

OUR = "urn:ietf:params:scim:schemas:extension:okta-connector:2.0:User"
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def user_body(user_name, **extra):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "password": "okta-placeholder-1",
        "active": True,
        **extra,
    }


def failure(reason):
    return FailedMigration.get_or_none(FailedMigration.reason == reason)


def test_create_stores_attributes_and_returns_them(scim, db):
    body = user_body(
        "jane@acme.example.com",
        displayName="Jane D",
        title="CTO",
        externalId="00u123",
        phoneNumbers=[{"value": "+1 555", "type": "mobile"}],
        **{
            ENT: {"department": "R&D", "employeeNumber": "42", "manager": {"value": "00umgr"}},
            OUR: {"role": "Admin"},
        },
    )
    response = scim.post("/Users", body)
    assert response.status_code == 201
    created = response.json()
    assert response.headers["Location"] == created["meta"]["location"]
    assert created[ENT] == {
        "department": "R&D",
        "employeeNumber": "42",
        "manager": {"value": "00umgr"},
    }
    assert created[OUR] == {"role": "Admin"} and "password" not in created
    member = Member.get(Member.scim_id == created["id"])
    assert (member.title, member.department, member.managed_by) == ("CTO", "R&D", "scim")
    assert member.org_role is OrgRole.ADMIN and member.password_hash is None
    grant = RoleAssignment.get(RoleAssignment.member == member)
    assert (grant.source, grant.role) == ("scim", "Admin")
    assert created["meta"]["version"] == 'W/"1"'


def test_okta_password_is_never_stored(app, scim, db):
    scim.post("/Users", user_body("pw@acme.example.com"))
    scim.post("/Users", user_body("pw@acme.example.com"))  # 409, body kept for the log
    request_log.flush(app)
    stored = [e.body for e in ScimEvent.select()] + [
        json.dumps(f.request) for f in FailedMigration.select()
    ]
    assert stored and all("okta-placeholder-1" not in text for text in stored)
    assert all("password" not in text for text in stored)


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"userName": "nobody"}, "a work email"),
        ({"userName": "a@acme.example.com"}, "name.givenName, name.familyName"),
        ({"userName": "", "name": {"givenName": "A", "familyName": "B"}}, "userName"),
        (
            {
                "emails": [{"value": "b@acme.example.com"}],
                "name": {"givenName": "A", "familyName": "B"},
            },
            "userName",
        ),
    ],
)
def test_missing_required_values_are_400_and_recorded(scim, db, body, missing):
    """userName, an email, and first and last names are required (seed 001)."""
    response = scim.post("/Users", body)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert missing in response.json()["detail"]
    assert failure("invalid_data").operation == "create"
    assert Member.select().count() == 0


def test_user_name_as_email_fills_the_email(scim, db):
    response = scim.post(
        "/Users",
        {"userName": "solo@acme.example.com", "name": {"givenName": "S", "familyName": "O"}},
    )
    assert response.status_code == 201
    assert response.json()["emails"][0]["value"] == "solo@acme.example.com"


def test_wrong_types_are_400_invalid_value(scim, db):
    for body in (
        {"userName": ["x"]},
        {"userName": "a@b.co", "name": "Jane"},
        {"userName": "a@b.co", "emails": "a@b.co"},
        {**user_body("c@d.co"), "active": "yes"},
        {**user_body("e@f.co"), OUR: {"role": "God"}},
    ):
        response = scim.post("/Users", body)
        assert response.status_code == 400, body
        assert response.json()["scimType"] == "invalidValue"


def test_a_value_longer_than_its_column_is_400_and_recorded_not_cut(scim, db):
    """PostgreSQL refuses a row over a column's length (a SCIM 500 before) and SQLite
    keeps it whole: both now refuse the write with the attribute named, record it, and
    keep the member as it was."""
    user = scim.post("/Users", user_body("long@acme.example.com")).json()
    too_long = {**user_body("long@acme.example.com"), "title": "t" * 201}
    refused = scim.put(f"/Users/{user['id']}", too_long)
    assert refused.status_code == 400 and refused.json()["scimType"] == "invalidValue"
    assert "title (at most 200)" in refused.json()["detail"]
    assert Member.get(Member.scim_id == user["id"]).title == user.get("title", "")
    row = FailedMigration.get(FailedMigration.operation == "update")
    assert row.user_name == "long@acme.example.com" and "title" in row.message
    fits = scim.put(f"/Users/{user['id']}", {**too_long, "title": "t" * 200})
    assert fits.status_code == 200 and fits.json()["title"] == "t" * 200
    huge_name = scim.post("/Users", {**user_body("n@acme.example.com"), "userName": "n" * 300})
    assert huge_name.status_code == 400 and "userName (at most 254)" in huge_name.json()["detail"]


def test_unknown_attributes_and_extensions_are_ignored(scim, db):
    body = user_body(
        "u@acme.example.com",
        nickName="J",
        locale="en-US",
        **{"urn:example:custom:2.0:User": {"costCenter": "1"}},
    )
    assert scim.post("/Users", body).status_code == 201


def test_user_name_matching_ignores_case_and_keeps_it(scim, db):
    created = scim.create_user("Mixed.Case@Acme.example.com")
    listing = scim.get('/Users?filter=userName eq "mixed.case@acme.EXAMPLE.com"').json()
    assert listing["totalResults"] == 1
    assert listing["Resources"][0]["userName"] == "Mixed.Case@Acme.example.com"
    again = scim.post("/Users", user_body("MIXED.CASE@acme.example.com"))
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"
    assert created["userName"] == "Mixed.Case@Acme.example.com"


def test_repost_of_own_member_is_plain_409_without_failure(scim, db):
    scim.create_user("same@acme.example.com")
    assert scim.post("/Users", user_body("same@acme.example.com")).status_code == 409
    assert FailedMigration.select().count() == 0


def test_email_of_another_member_is_409_duplicate_email(scim, admin, db):
    """An email held by a member Okta did not find by userName: 409 + failure row;
    repeats bump the attempts on the same row."""
    admin.keep_local = False  # owners start kept local; this case needs one Okta reaches
    admin.save()
    body = user_body("jdoe", emails=[{"value": admin.email.upper(), "primary": True}])
    for attempt in (1, 2):
        response = scim.post("/Users", body)
        assert response.status_code == 409
        assert response.json()["scimType"] == "uniqueness"
        row = failure("duplicate_email")
        assert (row.attempts, row.user_name, row.member_id) == (attempt, "jdoe", admin.id)
    assert row.request["method"] == "POST" and row.request["body"]["userName"] == "jdoe"
    assert "password" not in row.request["body"]


def test_success_later_resolves_the_failure(scim, admin, db):
    admin.keep_local = False  # owners start kept local; this case needs one Okta reaches
    admin.save()
    scim.post("/Users", user_body("jdoe", emails=[{"value": admin.email}]))
    assert failure("duplicate_email").status == "open"
    scim.post("/Users", user_body("jdoe", emails=[{"value": "jdoe@acme.example.com"}]))
    assert failure("duplicate_email").status == "resolved"


def test_license_limit_on_create_and_reactivate(scim, org, db):
    """Seats count active members of any source; the limit refuses create and
    reactivation with 403 and a failure row."""
    org.seat_limit = 2
    org.save()
    first = scim.create_user("one@acme.example.com")
    scim.create_user("two@acme.example.com")
    response = scim.post("/Users", user_body("three@acme.example.com"))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("License limit of 2 seats reached")
    assert failure("license_limit").operation == "create"
    scim.patch(f"/Users/{first['id']}", [{"op": "replace", "value": {"active": False}}])
    assert scim.post("/Users", user_body("three@acme.example.com")).status_code == 201
    assert failure("license_limit").status == "resolved"
    reactivate = scim.patch(f"/Users/{first['id']}", [{"op": "replace", "value": {"active": True}}])
    assert reactivate.status_code == 403
    assert FailedMigration.get(FailedMigration.operation == "reactivate").reason == "license_limit"
    assert scim.get(f"/Users/{first['id']}").json()["active"] is False


def test_local_member_is_listed_then_linked_on_write(scim, admin, db):
    """Okta's existence check finds a local member; its first write makes it
    Okta-managed (audited), keeping its data."""
    admin.keep_local = False  # owners start kept local; this case needs one Okta reaches
    admin.save()
    listing = scim.get(f'/Users?filter=userName eq "{admin.email}"').json()
    assert listing["totalResults"] == 1
    found = listing["Resources"][0]
    body = {**found, "name": {"givenName": "Ada", "familyName": "Admin"}}
    assert scim.put(f"/Users/{found['id']}", body).status_code == 200
    admin = Member.get_by_id(admin.id)
    assert (admin.managed_by, admin.given_name) == ("scim", "Ada")
    assert admin.password_hash is not None  # kept: a local admin keeps signing in
    assert AuditEvent.get(AuditEvent.action == "member.linked").details == {
        "from": "local",
        "to": "scim",
    }


def test_keep_local_member_is_hidden_and_protected(scim, admin, db):
    """A keep-local member (break-glass) is not listed; a create under its userName is
    409 + failure; a write to its id answers like an unknown id (404)."""
    admin.keep_local = True
    admin.save()
    assert scim.get(f'/Users?filter=userName eq "{admin.email}"').json()["totalResults"] == 0
    response = scim.post("/Users", user_body(admin.email))
    assert response.status_code == 409
    assert failure("local_member_protected").user_name == admin.email
    patch = scim.patch(f"/Users/{admin.scim_id}", [{"op": "replace", "value": {"active": False}}])
    assert patch.status_code == 404
    assert Member.get_by_id(admin.id).active is True


def test_deactivation_ends_sessions_and_keeps_member_readable(scim, db):
    created = scim.create_user("leaver@acme.example.com")
    before = Member.get(Member.scim_id == created["id"]).session_version
    response = scim.patch(
        f"/Users/{created['id']}", [{"op": "replace", "value": {"active": False}}]
    )
    assert response.status_code == 200 and response.json()["active"] is False
    member = Member.get(Member.scim_id == created["id"])
    assert member.session_version == before + 1 and member.deactivated_at is not None
    assert scim.get(f"/Users/{created['id']}").json()["active"] is False


def test_reactivation_keeps_id_groups_and_roles(scim, db):
    created = scim.create_user("back@acme.example.com", **{OUR: {"role": "User"}})
    group = scim.post("/Groups", {"displayName": "Team", "members": [{"value": created["id"]}]})
    assert group.status_code == 201
    for active in (False, True):
        scim.patch(f"/Users/{created['id']}", [{"op": "replace", "value": {"active": active}}])
    again = scim.get(f"/Users/{created['id']}").json()
    assert again["active"] is True and again["id"] == created["id"]
    assert [g["display"] for g in again["groups"]] == ["Team"]
    assert again[OUR] == {"role": "User"}


def test_delete_hides_and_a_later_post_revives_the_same_member(scim, db):
    created = scim.create_user("gone@acme.example.com")
    assert scim.delete(f"/Users/{created['id']}").status_code == 204
    assert scim.get(f"/Users/{created['id']}").status_code == 404
    assert scim.get('/Users?filter=userName eq "gone@acme.example.com"').json()["totalResults"] == 0
    member = Member.get(Member.scim_id == created["id"])
    assert member.scim_hidden and not member.active  # never erased
    revived = scim.post("/Users", user_body("gone@acme.example.com"))
    assert revived.status_code == 201 and revived.json()["id"] == created["id"]


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "replace", "value": {"active": False}}],
        [{"op": "Replace", "path": "active", "value": False}],
        [{"op": "REPLACE", "value": {"active": "False"}}],
        [{"op": "replace", "path": "active", "value": "false"}],
    ],
    ids=["path-less", "path", "string-in-object", "string-with-path"],
)
def test_deactivation_shapes(scim, db, operations):
    created = scim.create_user("shape@acme.example.com")
    response = scim.patch(f"/Users/{created['id']}", operations)
    assert response.status_code == 200 and response.json()["active"] is False


@pytest.mark.parametrize(
    ("operations", "field", "expected"),
    [
        (
            [{"op": "replace", "value": {"name.givenName": "Dotted"}}],
            "name",
            {"givenName": "Dotted", "familyName": "User"},
        ),
        (
            [{"op": "replace", "path": "name.familyName", "value": "Path"}],
            "name",
            {"givenName": "Test", "familyName": "Path"},
        ),
        (
            [
                {
                    "op": "replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "new@acme.example.com",
                }
            ],
            "userName",
            "patch@acme.example.com",
        ),
        ([{"op": "add", "path": "title", "value": "Chef"}], "title", "Chef"),
        (
            [{"op": "add", "value": {"title": "Boss", "displayName": "The Boss"}}],
            "displayName",
            "The Boss",
        ),
        (
            [{"op": "replace", "path": f"{ENT}:department", "value": "Ops"}],
            ENT,
            {"department": "Ops"},
        ),
        (
            [{"op": "add", "path": ENT, "value": {"employeeNumber": "7"}}],
            ENT,
            {"employeeNumber": "7"},
        ),
        ([{"op": "replace", "value": {OUR: {"role": "ReadOnly"}}}], OUR, {"role": "ReadOnly"}),
        (
            [{"op": "add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+33 1"}],
            "phoneNumbers",
            [{"value": "+33 1", "type": "mobile"}],
        ),
    ],
)
def test_patch_shapes_answer_200_with_the_full_resource(scim, db, operations, field, expected):
    created = scim.create_user("patch@acme.example.com")
    response = scim.patch(f"/Users/{created['id']}", operations)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body[field] == expected
    assert {"id", "userName", "emails", "active", "meta"} <= set(body)


def test_patch_email_filter_changes_the_email(scim, db):
    created = scim.create_user("mail@acme.example.com")
    ops = [
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@acme.example.com"}
    ]
    assert (
        scim.patch(f"/Users/{created['id']}", ops).json()["emails"][0]["value"]
        == "new@acme.example.com"
    )


def test_patch_remove_and_bad_shapes(scim, db):
    created = scim.create_user("rm@acme.example.com", title="Chef", **{OUR: {"role": "Admin"}})
    removed = scim.patch(
        f"/Users/{created['id']}",
        [{"op": "remove", "path": "title"}, {"op": "remove", "path": OUR}],
    )
    assert "title" not in removed.json() and OUR not in removed.json()
    assert Member.get(Member.scim_id == created["id"]).org_role is OrgRole.NONE
    for ops, scim_type in (
        ([{"op": "jump", "path": "title", "value": 1}], "invalidSyntax"),
        ([{"op": "remove"}], "noTarget"),
        ([{"op": "replace", "value": "x"}], "invalidValue"),
        ([], "invalidSyntax"),
        ([{"op": "replace", "path": "title[[", "value": "x"}], "invalidPath"),
    ):
        response = scim.patch(f"/Users/{created['id']}", ops)
        assert response.status_code == 400 and response.json()["scimType"] == scim_type, ops


def test_put_ignores_read_only_input_and_keeps_active_when_missing(scim, db):
    created = scim.create_user("put@acme.example.com")
    body = {**created, "id": "forged", "meta": {"version": "x"}, "groups": [{"value": "g"}]}
    body.pop("active")
    body["title"] = "Lead"
    response = scim.put(f"/Users/{created['id']}", body)
    assert response.status_code == 200
    assert response.json()["id"] == created["id"] and response.json()["active"] is True
    assert response.json()["title"] == "Lead" and response.json()["groups"] == []


def test_no_change_writes_nothing(scim, db):
    """Replaying the same PUT changes no lastModified, version or audit row."""
    created = scim.create_user("still@acme.example.com")
    first = scim.put(f"/Users/{created['id']}", created).json()
    audits = AuditEvent.select().count()
    second = scim.put(f"/Users/{created['id']}", created).json()
    assert first["meta"] == second["meta"] == created["meta"]
    assert AuditEvent.select().count() == audits


def test_if_match_mismatch_is_412(scim, db):
    created = scim.create_user("etag@acme.example.com")
    stale = scim.put(f"/Users/{created['id']}", created, headers={"If-Match": 'W/"99"'})
    assert stale.status_code == 412 and stale.json()["scimType"] == "invalidVers"
    fresh = scim.put(
        f"/Users/{created['id']}", created, headers={"If-Match": created["meta"]["version"]}
    )
    assert fresh.status_code == 200


@pytest.mark.parametrize(
    "user_id", ["010101001010101011001010101011", "00919288221112222", "not-a-uuid", "a" * 300]
)
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_unknown_ids_are_scim_404(scim, method, user_id):
    body = (
        {"Operations": [{"op": "replace", "value": {"active": False}}]} if method == "PATCH" else {}
    )
    response = scim.request(
        method, f"/Users/{user_id}", body if method in ("PUT", "PATCH") else None
    )
    assert response.status_code == 404
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_every_request_is_logged_with_token_and_latency(app, scim, db):
    created = scim.create_user("log@acme.example.com")
    scim.get(f"/Users/{created['id']}")
    request_log.flush(app)
    events = list(ScimEvent.select().order_by(ScimEvent.id))
    assert [(e.method, e.status) for e in events] == [("POST", 201), ("GET", 200)]
    assert events[1].resource_id == created["id"] and events[0].token_id is not None
    assert all(e.latency_ms > 0 and e.ip == "127.0.0.1" and e.authenticated for e in events)
