"""An Okta group deletion must not erase an admin's work: the group's role mapping is
kept *detached* (its members lose the roles at once) and attached again when the same
Okta group arrives, by SCIM push or by the pull sync."""

import peewee as pw
import pytest

from tests.conftest import csrf_token, run_sync_now
from wizard import directory
from wizard.directory import grants
from wizard.domain import mappings
from wizard.domain.organizations import add_site
from wizard.domain.roles import OrgRole
from wizard.models import (
    AuditEvent,
    Group,
    Member,
    OktaConnection,
    RoleMapping,
    SyncSettings,
)


@pytest.fixture
def library(org):
    return add_site(org, "Library")


@pytest.fixture
def editors(scim, admin, library):
    """Ann and Bob pushed in "Editors" (externalId 00gEDIT), mapped to Admin + Editor."""
    ann = scim.create_user("ann@acme.example.com", "Ann", "A")
    bob = scim.create_user("bob@acme.example.com", "Bob", "B")
    group = scim.post(
        "/Groups",
        {
            "displayName": "Editors",
            "externalId": "00gEDIT",
            "members": [{"value": ann["id"]}, {"value": bob["id"]}],
        },
    ).json()
    row = Group.get(Group.scim_id == group["id"])
    mapping = mappings.save_role_mapping(row, "Admin", {str(library.id): ["Editor"]}, actor=admin)
    return {"ann": ann, "bob": bob, "group": group, "mapping": mapping}


def roles(scim_user) -> tuple:
    member = Member.get(Member.scim_id == scim_user["id"])
    found = grants.effective_roles(member)
    return found["org"], {site: sorted(names) for site, names in found["sites"].items()}


MAPPED = (OrgRole.ADMIN, {"Library": ["Editor"]})
NOTHING = (OrgRole.NONE, {})


def push_again(scim, editors, **body):
    members = [{"value": editors["ann"]["id"]}, {"value": editors["bob"]["id"]}]
    response = scim.post("/Groups", {"displayName": "Editors", "members": members, **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_okta_deleting_a_mapped_group_keeps_the_mapping_detached(scim, editors):
    """DELETE /Groups (Okta unlinks the push): the members lose the mapped roles at once,
    the mapping stays, detached, with the group's name and ids, and it is audited."""
    assert roles(editors["ann"]) == MAPPED
    assert scim.delete(f"/Groups/{editors['group']['id']}").status_code == 204
    assert roles(editors["ann"]) == roles(editors["bob"]) == NOTHING
    mapping = RoleMapping.get_by_id(editors["mapping"].id)
    assert mapping.group is None and mapping.org_role == "Admin"
    assert (mapping.detached_name, mapping.detached_external_id) == ("Editors", "00gEDIT")
    assert mapping.detached_at is not None
    event = AuditEvent.get(AuditEvent.action == "mapping.detached")
    assert (event.actor_label, event.details) == ("okta-scim", {"group": "Editors"})


@pytest.mark.parametrize(
    "body",
    [{}, {"externalId": "00gEDIT"}, {"displayName": "editors"}],
    ids=["same name", "same name and id", "name in another case"],
)
def test_the_same_group_pushed_again_gets_its_mapping_back(scim, editors, body):
    """Okta re-creates its groups after a push-settings change: the mapping is attached
    to the new group and its members get the roles again."""
    scim.delete(f"/Groups/{editors['group']['id']}")
    again = push_again(scim, editors, **body)
    mapping = RoleMapping.get_by_id(editors["mapping"].id)
    assert mapping.group.scim_id == again["id"]
    assert (mapping.detached_name, mapping.detached_at) == ("", None)
    assert roles(editors["ann"]) == roles(editors["bob"]) == MAPPED
    event = AuditEvent.get(AuditEvent.action == "mapping.attached")
    assert (event.actor_label, event.details["group"]) == ("okta-scim", again["displayName"])


def test_a_group_pushed_again_under_a_new_name_is_matched_by_its_id(scim, editors):
    """Renamed in Okta between the delete and the push: the externalId says it is the
    same group."""
    scim.delete(f"/Groups/{editors['group']['id']}")
    again = push_again(scim, editors, displayName="Content editors", externalId="00gEDIT")
    assert RoleMapping.get_by_id(editors["mapping"].id).group.scim_id == again["id"]
    assert roles(editors["ann"]) == MAPPED


def test_another_okta_group_with_the_same_name_does_not_inherit_the_mapping(scim, editors):
    """Attack: after the mapped group is deleted, someone who may create Okta groups makes
    a new "Editors" and pushes it. Its id says it is another group: no Admin for them."""
    scim.delete(f"/Groups/{editors['group']['id']}")
    push_again(scim, editors, externalId="00gOTHER")
    assert RoleMapping.get_by_id(editors["mapping"].id).group is None
    assert roles(editors["ann"]) == NOTHING
    assert not AuditEvent.select().where(AuditEvent.action == "mapping.attached").exists()


def test_another_organization_never_picks_up_a_detached_mapping(
    app, live_server, scim, editors, other_org
):
    """Attack: another tenant pushes a group with the same name and id; our detached
    mapping stays ours and detached."""
    from tests.conftest import issue_scim_client

    scim.delete(f"/Groups/{editors['group']['id']}")
    theirs = issue_scim_client(app, other_org, live_server.url)
    user = theirs.create_user("eve@globex.example.com")
    response = theirs.post(
        "/Groups",
        {"displayName": "Editors", "externalId": "00gEDIT", "members": [{"value": user["id"]}]},
    )
    assert response.status_code == 201
    assert RoleMapping.get_by_id(editors["mapping"].id).group is None
    assert roles(user) == NOTHING


def test_a_detached_mapping_is_not_attached_to_a_group_that_has_one(scim, editors, admin):
    """A group that already has its own mapping keeps it; the detached one waits."""
    scim.delete(f"/Groups/{editors['group']['id']}")
    existing = directory.create_or_link_group(
        editors["mapping"].organization,
        "Editors",
        external_id=None,
        managed_by="local",
        actor_label="test",
    )[0]
    own = RoleMapping.get_by_id(editors["mapping"].id)
    assert own.group is None  # a local group of that name is not Okta's: not attached
    mine = mappings.save_role_mapping(existing, "User", {}, actor=admin)
    push_again(scim, editors)  # links the local group of that name
    assert RoleMapping.get_by_id(editors["mapping"].id).group is None
    assert RoleMapping.get_by_id(mine.id).group_id == existing.id


# --- the pull sync ----------------------------------------------------------------------


def test_the_sync_attaches_a_detached_mapping_to_the_group_it_creates(app, synced_org, okta, admin):
    """A pushed group deleted (no Okta id known), then the sync reads the Okta group of
    that name: the mapping is attached to it and its members get the role."""
    okta.add_users(2)
    run_sync_now(app, synced_org)
    group, _ = directory.create_or_link_group(
        synced_org, "Staff", external_id=None, managed_by="scim", actor_label="okta-scim"
    )
    mapping = mappings.save_role_mapping(group, "User", {}, actor=admin)
    directory.delete_group(group, actor_label="okta-scim")
    assert RoleMapping.get_by_id(mapping.id).group is None
    okta.add_group("00gstaff", "Staff", ["00u000001", "00u000002"])
    run_sync_now(app, synced_org)
    attached = RoleMapping.get_by_id(mapping.id)
    assert attached.group.okta_id == "00gstaff"
    assert {m.org_role for m in Member.select().where(Member.okta_id.is_null(False))} == {
        OrgRole.USER
    }
    event = AuditEvent.get(AuditEvent.action == "mapping.attached")
    assert event.actor_label == "okta-sync"


def test_the_sync_matches_a_detached_mapping_by_okta_id_after_a_rename(
    app, synced_org, okta, admin
):
    """A synced group (Okta id known) deleted, then renamed in Okta: the sync attaches
    the mapping by the Okta id; another Okta group taking the old name does not get it."""
    okta.add_users(2)
    okta.add_group("00gstaff", "Staff", ["00u000001"])
    run_sync_now(app, synced_org)
    group = Group.get(Group.okta_id == "00gstaff")
    mapping = mappings.save_role_mapping(group, "User", {}, actor=admin)
    directory.delete_group(group, actor_label="okta-scim")
    okta.groups["00gstaff"]["profile"]["name"] = "All staff"
    okta.add_group("00gimpostor", "Staff", ["00u000002"])
    run_sync_now(app, synced_org)
    assert RoleMapping.get_by_id(mapping.id).group.okta_id == "00gstaff"
    first, second = (Member.get(Member.okta_id == f"00u00000{n}") for n in (1, 2))
    assert (first.org_role, second.org_role) == (OrgRole.USER, OrgRole.NONE)


def test_without_an_app_the_sync_reads_the_members_of_a_detached_mapping(
    app, synced_org, okta, admin
):
    """With no Okta app picked, who belongs is the members of mapped groups: a detached
    mapping still names its Okta group, so its members are read and provisioned."""
    okta.add_users(1, assign=None)
    okta.add_group("00gstaff", "Staff", [])
    run_sync_now(app, synced_org)  # with the app picked: the group arrives, nobody else
    SyncSettings.update(app_id="").execute()
    group = Group.get(Group.okta_id == "00gstaff")
    mapping = mappings.save_role_mapping(group, "User", {}, actor=admin)
    directory.delete_group(group, actor_label="okta-scim")
    okta.group_members["00gstaff"].append("00u000001")
    run_sync_now(app, synced_org)
    assert RoleMapping.get_by_id(mapping.id).group.okta_id == "00gstaff"
    assert Member.get(Member.okta_id == "00u000001").org_role is OrgRole.USER


# --- the role mapping page --------------------------------------------------------------


def test_the_roles_page_shows_a_detached_mapping_and_removes_it(
    client, auth, app, scim, editors, synced_org
):
    """The page says the group was removed from Okta; Remove deletes the mapping."""
    with app.app_context():
        from wizard.sync import api_connection

        api_connection.check_connection(OktaConnection.get())
    scim.delete(f"/Groups/{editors['group']['id']}")
    auth.login()
    page = client.get("/integrations/okta/roles").text
    assert "Editors" in page and "group removed from Okta" in page
    response = client.post(
        f"/integrations/okta/roles/{editors['mapping'].id}/delete",
        data={"csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    assert not RoleMapping.select().exists()
    event = AuditEvent.get(AuditEvent.action == "mapping.role_deleted")
    assert event.details == {"group": "Editors"}


# --- migration 020 ----------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_before_020(request, tmp_path):
    """A database migrated to just before 020 (SQLite, and PostgreSQL in its lane)."""
    from peewee_migrate import Router

    from tests.conftest import app_config
    from wizard import create_app
    from wizard.db import MIGRATIONS_DIR, database

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    create_app(app_config(tmp_path, url))
    names = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))
    with database.connection_context():
        Router(database.obj, migrate_dir=str(MIGRATIONS_DIR)).run(
            names[names.index("020_detached_role_mappings") - 1]
        )
        yield database


def test_migration_020_keeps_every_mapping_and_grant(database_before_020):
    """A populated database: every role mapping, grant and membership is kept as it was,
    the new columns start empty, and a mapping may then have no group."""
    from tests.test_scim_owners import insert_row
    from wizard.db import upgrade
    from wizard.models import Membership, Organization, RoleAssignment

    db = database_before_020
    org = insert_row(Organization, name="Acme", slug="acme")
    member = insert_row(Member, organization=org, email="a@acme.example.com", email_key="a")
    groups = [
        insert_row(Group, organization=org, display_name=name, name_key=name.lower())
        for name in ("Editors", "Admins")
    ]
    insert_row(Membership, group=groups[0], member=member)
    for group, role in zip(groups, ("User", "Admin"), strict=True):
        mapping = insert_row(
            RoleMapping, organization=org, group=group, org_role=role, site_roles={"all": []}
        )
        insert_row(RoleAssignment, member=member, role=role, source="mapping", mapping=mapping)
    tables = ("role_mapping", "role_assignment", "membership")
    before = {table: rows(db, table) for table in tables}
    upgrade()
    assert {table: rows(db, table, len(before[table][0])) for table in tables} == before
    added = db.execute_sql(
        "SELECT detached_name, detached_okta_id, detached_external_id, detached_at "
        "FROM role_mapping"
    ).fetchall()
    assert [tuple(row) for row in added] == [("", None, None, None)] * 2
    RoleMapping.create(organization=org, group=None, detached_name="Gone")
    RoleMapping.create(organization=org, group=None, detached_name="Also gone")
    assert RoleMapping.select().where(RoleMapping.group.is_null()).count() == 2
    with pytest.raises(pw.IntegrityError), db.atomic():  # still one mapping per group
        RoleMapping.create(organization=org, group=groups[0])


def rows(db, table: str, width: int | None = None) -> list[tuple]:
    """Every row of ``table`` by id, its first ``width`` columns (those it had before)."""
    cursor = db.execute_sql(f'SELECT * FROM "{table}" ORDER BY id')
    return [tuple(row)[:width] for row in cursor.fetchall()]
