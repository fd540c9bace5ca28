"""Group membership writes on both engines: more refs than one lookup takes
(``LOOKUP_CHUNK``), a member already in the group, a member of another organization and
a kept-local one; adding, replacing and removing say what they changed."""

from wizard import directory
from wizard.db import LOOKUP_CHUNK, database
from wizard.domain.organizations import create_organization
from wizard.domain.sources import Source
from wizard.models import AuditEvent, Member, Membership


def make_members(organization, count: int, prefix: str) -> list[Member]:
    entries = [
        ({"user_name": f"{prefix}{n}@x.example.com", "email": f"{prefix}{n}@x.example.com",
          "given_name": "G", "family_name": "F"}, {})
        for n in range(count)
    ]  # fmt: skip
    with database.atomic():
        directory.create_members(organization, entries, managed_by=Source.SCIM, actor_label="t")
    return list(Member.select().where(Member.organization == organization).order_by(Member.id))


def test_memberships_on_both_engines(any_db_app):
    with any_db_app.app_context(), database.connection_context():
        acme = create_organization("Acme", "acme", enterprise_enabled=True)
        globex = create_organization("Globex", "globex", enterprise_enabled=True)
        members = make_members(acme, LOOKUP_CHUNK + 40, "a")
        stranger = make_members(globex, 1, "g")[0]
        members[5].keep_local = True
        members[5].save()
        group, _ = directory.create_or_link_group(
            acme, "Everyone", external_id=None, managed_by=Source.SCIM, actor_label="t"
        )
        refs = [m.scim_id for m in members] + [stranger.scim_id, "no-such-id"]
        found, unknown = directory.members_for_refs(acme, refs)
        assert sorted(unknown) == sorted([stranger.scim_id, "no-such-id", members[5].scim_id])
        first = list(found.values())[:10]
        assert directory.add_members(group, first, managed_by=Source.SCIM, actor_label="t") == 10
        added = directory.add_members(
            group, found.values(), managed_by=Source.SCIM, actor_label="t"
        )
        assert added == len(found) - 10
        in_group = {
            m
            for (m,) in Membership.select(Membership.member)
            .where(Membership.group == group)
            .tuples()
        }
        assert in_group == set(found.values())
        assert directory.remove_members(group, first, actor_label="t") == 10
        kept = list(found.values())[10:20]
        changed = directory.replace_members(group, kept, managed_by=Source.SCIM, actor_label="t")
        assert changed == len(found) - 20
        assert Membership.select().where(Membership.group == group).count() == 10
        changes = AuditEvent.select().where(AuditEvent.action == "group.members_changed")
        assert [e.details for e in changes.order_by(AuditEvent.id)] == [
            {"added": 10, "removed": 0},
            {"added": len(found) - 10, "removed": 0},
            {"added": 0, "removed": 10},
            {"added": 0, "removed": len(found) - 20},
        ]
