"""SCIM must not take over the owners: kept-local members (the owners made by `member
create-admin`, the demo admin, the break-glass admin) are invisible to SCIM until an
EnterpriseAdmin turns keep-local off; other local members are linked by the first SCIM
write that changes something, never by a no-op."""

import pytest

from tests.conftest import PASSWORD, csrf_token
from wizard.domain import accounts
from wizard.domain.roles import OrgRole
from wizard.models import AuditEvent, FailedMigration, Member, Membership, RoleAssignment

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def local_member(org, email="pat@acme.example.com", **fields) -> Member:
    """A local member who is not an owner (created by hand, not kept local)."""
    return Member.create(
        organization=org,
        email=email,
        email_key=email,
        user_name=email,
        user_name_key=email,
        given_name="Pat",
        family_name="Local",
        **fields,
    )


def test_scim_cannot_deactivate_the_owner_of_a_fresh_organization(scim, admin, client, auth):
    """Attack: Okta (or whoever holds the SCIM token) PATCHes active=false on the only
    admin of a fresh organization. Refused as an unknown user; the owner still signs in."""
    response = scim.patch(
        f"/Users/{admin.scim_id}", [{"op": "replace", "value": {"active": False}}]
    )
    assert response.status_code == 404
    assert response.json()["schemas"] == [ERROR]
    assert Member.get_by_id(admin.id).active is True
    assert auth.login().status_code == 302


def test_owners_are_created_kept_local(runner, app, org, db):
    """`member create-admin` and the demo admin are kept local from the start."""
    result = runner.invoke(
        args=[
            "member",
            "create-admin",
            "--org",
            "acme",
            "--email",
            "owner@acme.example.com",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert Member.get(Member.email_key == "owner@acme.example.com").keep_local is True
    with app.app_context():
        _, demo_admin, _ = accounts.ensure_demo()
    assert Member.get_by_id(demo_admin.id).keep_local is True


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_kept_local_member_is_404_on_every_user_route(scim, admin, method):
    """Attack: a forged SCIM call naming the owner's id reads or changes nothing and
    answers like an unknown id (RFC 7644 §3.12 error body)."""
    body = {
        "PUT": {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": admin.email,
            "name": {"givenName": "Taken", "familyName": "Over"},
            "emails": [{"value": "attacker@acme.example.com", "primary": True}],
            "active": False,
        },
        "PATCH": {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": False}}],
        },
    }.get(method)
    unknown = scim.request(method, "/Users/9b0c9e43-0000-0000-0000-000000000000", body)
    response = scim.request(method, f"/Users/{admin.scim_id}", body)
    assert response.status_code == unknown.status_code == 404
    assert response.json()["schemas"] == [ERROR]
    assert admin.email not in response.text
    kept = Member.get_by_id(admin.id)
    assert (kept.active, kept.scim_hidden, kept.email, kept.managed_by) == (
        True,
        False,
        admin.email,
        "local",
    )


def test_kept_local_member_is_not_listed(scim, admin, org):
    """Neither the full list nor Okta's userName existence check shows an owner."""
    other = local_member(org)
    listed = scim.get("/Users").json()
    assert [r["id"] for r in listed["Resources"]] == [other.scim_id]
    check = scim.get(f'/Users?filter=userName eq "{admin.email}"').json()
    assert check["totalResults"] == 0


def test_kept_local_member_cannot_be_added_to_a_group(scim, admin):
    """Attack: a push naming the owner's id is treated like an unknown member (recorded
    as one, with nothing that tells it apart), on POST, PATCH add and PUT."""
    known = scim.create_user("known@acme.example.com")["id"]
    created = scim.post("/Groups", {"displayName": "Admins", "members": [{"value": admin.scim_id}]})
    assert created.status_code == 201 and created.json()["members"] == []
    group_id = created.json()["id"]
    patched = scim.patch(
        f"/Groups/{group_id}",
        [{"op": "add", "path": "members", "value": [{"value": admin.scim_id}, {"value": known}]}],
    )
    assert [m["value"] for m in patched.json()["members"]] == [known]
    replaced = scim.put(
        f"/Groups/{group_id}", {"displayName": "Admins", "members": [{"value": admin.scim_id}]}
    )
    assert replaced.json()["members"] == []
    assert not Membership.select().where(Membership.member == admin.id).exists()
    row = FailedMigration.get(FailedMigration.reason == "unknown_member")
    assert row.user_name == admin.scim_id and admin.email not in (row.message + row.email)


def test_kept_local_member_in_a_group_stays_unseen_and_untouched(scim, admin, org, db):
    """An owner already in a group (added before keep-local was on) is not shown in the
    group's members, and Okta's replace of the membership leaves that membership alone."""
    from wizard import directory

    group = scim.post("/Groups", {"displayName": "Everyone"}).json()
    row = directory.group_by_name(org, "Everyone")
    directory.add_members(row, [admin.id], managed_by="local", actor_label="test")
    assert scim.get(f"/Groups/{group['id']}").json()["members"] == []
    scim.put(f"/Groups/{group['id']}", {"displayName": "Everyone", "members": []})
    scim.patch(f"/Groups/{group['id']}", [{"op": "remove", "path": "members"}])
    assert Membership.select().where(Membership.member == admin.id).exists()


def test_a_group_filter_never_tells_a_kept_local_member_is_there(scim, admin, org, db):
    """Attack: ``GET /Groups?filter=members.value eq "<owner's id>"`` answered with the
    groups holding the owner: a kept-local member's existence and groups, told to SCIM
    through a filter while every other route answers as if the id did not exist."""
    from wizard import directory

    scim.post("/Groups", {"displayName": "Everyone"})
    row = directory.group_by_name(org, "Everyone")
    directory.add_members(row, [admin.id], managed_by="local", actor_label="test")
    for attribute in ("members", "members.value"):
        found = scim.get(f'/Groups?filter={attribute} eq "{admin.scim_id}"').json()
        assert found["totalResults"] == 0 and found["Resources"] == [], attribute


def test_noop_patch_or_put_never_links_a_local_member(scim, org):
    """Attack: Okta's import echoes a local member back unchanged. Nothing changes, so
    the member stays local and nothing says it was linked."""
    pat = local_member(org)
    found = scim.get(f'/Users?filter=userName eq "{pat.email}"').json()["Resources"][0]
    same = scim.patch(
        f"/Users/{pat.scim_id}",
        [{"op": "replace", "value": {"name": {"givenName": "Pat", "familyName": "Local"}}}],
    )
    assert same.status_code == 200
    assert scim.put(f"/Users/{pat.scim_id}", found).status_code == 200
    unchanged = Member.get_by_id(pat.id)
    assert (unchanged.managed_by, unchanged.version) == ("local", 1)
    assert not AuditEvent.select().where(AuditEvent.action == "member.linked").exists()


def test_first_changing_write_links_the_local_member(client, auth, admin, scim, org):
    """The first SCIM write that changes something is when Okta takes the member over:
    `member.linked` in the audit and on the member's timeline."""
    pat = local_member(org)
    changed = scim.patch(
        f"/Users/{pat.scim_id}", [{"op": "replace", "path": "title", "value": "Engineer"}]
    )
    assert changed.status_code == 200
    linked = Member.get_by_id(pat.id)
    assert (linked.managed_by, linked.title) == ("scim", "Engineer")
    event = AuditEvent.get(AuditEvent.action == "member.linked")
    assert (event.target_id, event.details) == (str(pat.id), {"from": "local", "to": "scim"})
    auth.login()
    assert "member linked" in client.get(f"/team/users/{pat.scim_id}/timeline").text


def test_enterprise_admin_turns_keep_local_off_and_on(client, auth, admin, scim, org):
    """An EnterpriseAdmin turns keep-local off (audited, on the timeline): SCIM then sees
    the member; turning it back on hides it again."""
    auth.login()
    page = client.get(f"/team/users/{admin.scim_id}")
    assert "Keep local" in page.text
    off = client.post(
        f"/team/users/{admin.scim_id}/keep-local",
        data={"csrf_token": csrf_token(page.text), "keep_local": ""},
    )
    assert off.status_code == 302
    assert Member.get_by_id(admin.id).keep_local is False
    assert scim.get(f"/Users/{admin.scim_id}").status_code == 200
    event = AuditEvent.get(AuditEvent.action == "member.keep_local_changed")
    assert (event.actor_id, event.details) == (admin.id, {"keep_local": False})
    assert "member keep local changed" in client.get(f"/team/users/{admin.scim_id}/timeline").text
    client.post(
        f"/team/users/{admin.scim_id}/keep-local",
        data={"csrf_token": csrf_token(page.text), "keep_local": "y"},
    )
    assert Member.get_by_id(admin.id).keep_local is True
    assert scim.get(f"/Users/{admin.scim_id}").status_code == 404


def test_admin_cannot_turn_keep_local_off(client, auth, admin, org, db):
    """Attack: an Admin forges the keep-local POST to expose the owner to SCIM."""
    accounts.create_local_admin(org, "second@acme.example.com", PASSWORD, OrgRole.ADMIN)
    auth.login(email="second@acme.example.com")
    page = client.get(f"/team/users/{admin.scim_id}").text
    assert "Keep local" not in page or "keep-local" not in page
    response = client.post(
        f"/team/users/{admin.scim_id}/keep-local",
        data={"csrf_token": csrf_token(page), "keep_local": ""},
    )
    assert response.status_code == 403
    assert Member.get_by_id(admin.id).keep_local is True


def test_keep_local_needs_a_fresh_sign_in(client, auth, admin, org):
    """A stale session (an unattended browser) is asked to confirm first; nothing changes."""
    auth.login()
    with client.session_transaction() as session:
        session["auth_at"] = 1
    page = client.get(f"/team/users/{admin.scim_id}").text
    response = client.post(
        f"/team/users/{admin.scim_id}/keep-local",
        data={"csrf_token": csrf_token(page), "keep_local": ""},
    )
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert Member.get_by_id(admin.id).keep_local is True


def test_migration_013_keeps_existing_owners_local(tmp_path):
    """Existing local members holding a manual EnterpriseAdmin grant and a password become
    kept local; every other member is left as it was."""
    from peewee_migrate import Router

    from tests.conftest import app_config
    from wizard import create_app
    from wizard.db import MIGRATIONS_DIR, database, upgrade
    from wizard.models import Organization

    names = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))
    before = names[names.index("013_keep_owners_local") - 1]
    create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'old.db'}"))
    cases = {
        "owner": ("local", "EnterpriseAdmin", "manual", "hash"),
        "no-password": ("local", "EnterpriseAdmin", "manual", None),
        "scim-ea": ("scim", "EnterpriseAdmin", "scim", "hash"),
        "mapped-ea": ("local", "EnterpriseAdmin", "mapping", "hash"),
        "local-admin": ("local", "Admin", "manual", "hash"),
    }
    with database.connection_context():
        Router(database.obj, migrate_dir=str(MIGRATIONS_DIR)).run(before)
        org_id = insert_row(Organization, name="Acme", slug="acme")
        ids = {}
        for name, (managed_by, role, source, password) in cases.items():
            email = f"{name}@acme.example.com"
            ids[name] = insert_row(
                Member,
                organization=org_id,
                email=email,
                email_key=email,
                managed_by=managed_by,
                role=role,
                password_hash=password,
                source="okta" if managed_by == "scim" else "local",  # removed by 019
            )
            insert_row(RoleAssignment, member=ids[name], role=role, source=source)
        upgrade()
        kept = {
            name: bool(
                database.execute_sql(
                    f"SELECT keep_local FROM member WHERE id = {database.param}", (member_id,)
                ).fetchone()[0]
            )
            for name, member_id in ids.items()
        }
    assert kept == {
        "owner": True,
        "no-password": False,
        "scim-ea": False,
        "mapped-ea": False,
        "local-admin": False,
    }


def insert_row(model, **values) -> int:
    """Insert through the columns the table has at this migration (the model may already
    know later ones), with the model's defaults for the rest; a value for a column a
    later migration removes from the model is written as given."""
    from wizard.db import database

    table = model._meta.table_name
    columns = {column.name for column in database.get_columns(table)}
    row = {}
    for field in model._meta.sorted_fields:
        if field.primary_key or field.column_name not in columns:
            continue
        if field.name in values:
            value = values[field.name]
        elif field.default is not None:
            value = field.default() if callable(field.default) else field.default
        else:
            continue
        row[field.column_name] = field.db_value(value)
    row.update({name: value for name, value in values.items() if name in columns - set(row)})
    names = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join([database.param] * len(row))
    cursor = database.execute_sql(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING id', list(row.values())
    )
    return cursor.fetchone()[0]  # SQLite (3.35+) and PostgreSQL alike


def test_the_pull_sync_does_not_take_over_an_owner_either(app, synced_org, okta, admin):
    """An Okta user with the owner's login: the sync refuses to touch the owner (a
    failed migration says why), whichever Okta profile it reads."""
    from tests.conftest import run_sync_now

    okta.add_users(1)
    okta.users["00u000001"]["profile"].update(login=admin.email, email=admin.email)
    run = run_sync_now(app, synced_org)
    owner = Member.get_by_id(admin.id)
    assert (owner.managed_by, owner.okta_id, owner.external_id, owner.active) == (
        "local",
        None,
        None,
        True,
    )
    assert run.counts["failed"] == 1
    assert FailedMigration.get().reason == "local_member_protected"


def test_group_filters_never_find_a_kept_local_member(scim, admin, org, db):
    """Attack: a SCIM caller probes ``members eq "<owner's id>"`` or ``members pr`` to
    learn which groups an owner belongs to. Kept-local members are invisible there too."""
    from wizard import directory

    scim.post("/Groups", {"displayName": "Owners only"})
    row = directory.group_by_name(org, "Owners only")
    directory.add_members(row, [admin.id], managed_by="local", actor_label="test")
    for expression in (f'members eq "{admin.scim_id}"', f'members.value eq "{admin.scim_id}"'):
        body = scim.get("/Groups", params={"filter": expression}).json()
        assert body["totalResults"] == 0, expression
    assert scim.get("/Groups", params={"filter": "members pr"}).json()["totalResults"] == 0
