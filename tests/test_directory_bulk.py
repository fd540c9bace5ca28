"""The bulk create the sync uses: the same answers as one create at a time."""

from wizard import directory
from wizard.models import AuditEvent, FailedMigration, Member


def profile(n, **extra):
    email = f"bulk{n}@acme.example.com"
    return {"user_name": email, "email": email, "given_name": "B", "family_name": str(n), **extra}


def test_clean_entries_are_created_together_and_the_rest_decided_one_by_one(org, admin, db):
    org.seat_limit = 6  # the admin holds one seat: five left
    org.save()
    admin.keep_local = False  # owners start kept local; this case needs one Okta reaches
    admin.save()
    FailedMigration.create(
        organization=org, source="scim", reason="license_limit", operation="create",
        user_name="bulk1@acme.example.com", user_name_key="bulk1@acme.example.com",
    )  # fmt: skip
    entries = [
        (profile(1), {"okta_id": "00u1"}),
        (profile(2, email="not an email"), {}),  # invalid
        (profile(3, email=admin.email), {}),  # the admin's email: duplicate
        (profile(4), {"okta_id": "00u4"}),
        (profile(4), {}),  # the same userName twice in one batch
        (profile(5), {}),
        (profile(6), {}),
        (profile(7), {}),
        (profile(8), {}),  # past the seat limit
    ]
    with db.atomic():
        result = directory.create_members(org, entries, managed_by="sync", actor_label="test")
    created = {index for index, _ in result.created}
    refused = {index: error.reason for index, error in result.refused}
    assert created == {0, 3, 5, 6, 7}
    assert refused == {1: "invalid_data", 2: "duplicate_email", 4: "conflict", 8: "license_limit"}
    first = Member.get(Member.user_name_key == "bulk1@acme.example.com")
    assert (first.okta_id, first.managed_by, first.active) == ("00u1", "sync", True)
    assert first.field_sources["email"] == "sync" and first.phone_numbers == []
    assert AuditEvent.select().where(AuditEvent.action == "member.created").count() == 5
    assert FailedMigration.get().status == "resolved"  # a later success resolves it
