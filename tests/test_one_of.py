"""``db.one_of``: a long ``IN`` list as one parameter on both engines (a JSON array on
SQLite, an array on PostgreSQL), matching exactly the values listed, whatever they hold."""

from wizard.db import database, one_of
from wizard.domain.organizations import create_organization
from wizard.models import Member, Membership


def test_one_of_matches_exactly_the_listed_values(any_db_app):
    with any_db_app.app_context(), database.connection_context():
        organization = create_organization("Acme", "acme-one-of")
        # Values a JSON array or an array parameter could get wrong: quotes, a backslash,
        # brackets, non-ASCII, and one that differs from another only by case.
        awkward = ['o"hara', "back\\slash", "[bracket]", "zoë", "Zoë", "comma, space", "%_"]
        members = [
            Member.create(
                organization=organization,
                user_name=f"user{n}@acme.example.com",
                user_name_key=f"user{n}@acme.example.com",
                email=f"user{n}@acme.example.com",
                email_key=f"user{n}@acme.example.com",
                okta_id=value,
            )
            for n, value in enumerate(awkward)
        ]
        found = lambda column, values: sorted(  # noqa: E731
            m.okta_id for m in Member.select().where(one_of(column, values))
        )
        assert found(Member.okta_id, awkward) == sorted(awkward)
        assert found(Member.okta_id, ["zoë", "nobody", "%"]) == ["zoë"]
        assert found(Member.okta_id, []) == []
        assert found(Member.id, [members[0].id, members[3].id, 10**12]) == ['o"hara', "zoë"]
        # Models for a foreign key, as peewee takes them elsewhere.
        query = Membership.select().where(one_of(Membership.member, [members[1]]))
        assert query.count() == 0 and "member_id" in query.sql()[0]
        outside = Member.select().where(~one_of(Member.okta_id, awkward[1:]))
        assert [m.okta_id for m in outside] == ['o"hara']
