"""``prepared.save_changed``: the compiled UPDATE a SCIM write saves a member with."""

from wizard.domain.organizations import create_organization
from wizard.models import Member, utcnow
from wizard.prepared import save_changed


def test_only_the_changed_columns_are_written_converted_as_save_would(db):
    """Another writer's change to a column this one did not touch survives; JSON,
    booleans and times are stored as ``save()`` stores them."""
    org = create_organization("Acme", "acme", enterprise_enabled=True)
    now = utcnow()
    member = Member.create(
        organization=org, email="a@acme.example.com", email_key="a@acme.example.com",
        user_name="a@acme.example.com", user_name_key="a@acme.example.com",
        created_at=now, updated_at=now,
    )  # fmt: skip
    Member.update(department="Sales").where(Member.id == member.id).execute()  # another writer
    member.title, member.active, member.field_sources = "Engineer", False, {"title": "scim"}
    member.deactivated_at = now
    assert save_changed(member) == 1
    assert save_changed(member) == 0  # nothing changed since: no statement
    stored = Member.get_by_id(member.id)
    assert (stored.title, stored.department, stored.active) == ("Engineer", "Sales", False)
    assert stored.field_sources == {"title": "scim"} and stored.deactivated_at == now
