"""Role mapping and user detail mapping through real SCIM requests and the sync
emulator; the staff directory."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import csrf_token, run_sync_now
from tests.test_browser_accounts import sign_in
from wizard.directory import grants
from wizard.domain import mappings
from wizard.domain.organizations import add_site
from wizard.domain.roles import OrgRole
from wizard.models import DetailMapping, Group, Member, OktaConnection, RoleMapping

OUR = "urn:ietf:params:scim:schemas:extension:okta-connector:2.0:User"


@pytest.fixture
def library(org):
    return add_site(org, "Library")


@pytest.fixture
def pushed(scim):
    """Two users pushed into the Okta group "Editors"."""
    ann = scim.create_user("ann@acme.example.com", "Ann", "A")
    bob = scim.create_user("bob@acme.example.com", "Bob", "B")
    group = scim.post(
        "/Groups",
        {"displayName": "Editors", "members": [{"value": ann["id"]}, {"value": bob["id"]}]},
    ).json()
    return {"ann": ann, "bob": bob, "group": group}


def member(scim_user) -> Member:
    return Member.get(Member.scim_id == scim_user["id"])


def roles_of(scim_user) -> dict:
    found = grants.effective_roles(member(scim_user))
    return {"org": found["org"], "sites": {k: sorted(v) for k, v in found["sites"].items()}}


def test_mapping_gives_and_membership_changes_take_roles(scim, pushed, library, admin):
    group = Group.get(Group.scim_id == pushed["group"]["id"])
    mappings.save_role_mapping(
        group, "Admin", {"all": ["Viewer"], str(library.id): ["Editor"]}, actor=admin
    )
    assert roles_of(pushed["ann"]) == {
        "org": OrgRole.ADMIN,
        "sites": {"Library": ["Editor", "Viewer"]},
    }
    scim.patch(
        f"/Groups/{pushed['group']['id']}",
        [{"op": "remove", "path": f'members[value eq "{pushed["bob"]["id"]}"]'}],
    )
    assert roles_of(pushed["bob"]) == {"org": OrgRole.NONE, "sites": {}}
    assert member(pushed["bob"]).role == ""
    scim.patch(
        f"/Groups/{pushed['group']['id']}",
        [{"op": "add", "path": "members", "value": [{"value": pushed["bob"]["id"]}]}],
    )
    assert roles_of(pushed["bob"])["org"] is OrgRole.ADMIN
    scim.delete(f"/Groups/{pushed['group']['id']}")
    assert member(pushed["ann"]).org_role is OrgRole.NONE


def test_highest_grant_wins_and_sites_are_a_union(scim, pushed, library, admin):
    scim.patch(
        f"/Users/{pushed['ann']['id']}",
        [{"op": "replace", "value": {OUR: {"role": "EnterpriseAdmin"}}}],
    )
    group = Group.get(Group.scim_id == pushed["group"]["id"])
    mappings.save_role_mapping(group, "User", {str(library.id): ["Publisher"]}, actor=admin)
    other = scim.post(
        "/Groups", {"displayName": "Site admins", "members": [{"value": pushed["bob"]["id"]}]}
    ).json()
    mappings.save_role_mapping(
        Group.get(Group.scim_id == other["id"]), "User", {"all": ["SiteAdmin"]}, actor=admin
    )
    assert member(pushed["ann"]).org_role is OrgRole.ENTERPRISE_ADMIN
    assert roles_of(pushed["bob"])["sites"] == {"Library": ["Publisher", "SiteAdmin"]}


def test_break_glass_admin_is_untouched_by_mappings(scim, pushed, admin):
    admin.keep_local = True
    admin.save()
    group = Group.get(Group.scim_id == pushed["group"]["id"])
    from wizard import directory

    directory.add_members(group, [admin.id], managed_by="scim", actor_label="test")
    mappings.save_role_mapping(group, "User", {}, actor=admin)
    assert Member.get_by_id(admin.id).org_role is OrgRole.ENTERPRISE_ADMIN
    assert not grants.org_grants(admin).where(grants.RoleAssignment.source == "mapping").exists()


def test_preview_says_exactly_what_saving_does(scim, pushed, library, admin):
    group = Group.get(Group.scim_id == pushed["group"]["id"])
    lines = mappings.preview_role_mapping(
        group, "Admin", {str(library.id): ["Editor"]}, actor=admin
    )
    assert lines == ["2 members gain Admin access", "2 members gain Editor on Library"]
    assert not RoleMapping.select().exists()  # the preview saved nothing
    mappings.save_role_mapping(group, "Admin", {str(library.id): ["Editor"]}, actor=admin)
    lines = mappings.preview_role_mapping(group, "User", {}, actor=admin)
    assert lines == [
        "2 members gain User access",
        "2 members lose Admin access",
        "2 members lose Editor on Library",
    ]


def test_why_this_role_names_the_group(client, auth, admin, scim, pushed, synced_org):
    group = Group.get(Group.scim_id == pushed["group"]["id"])
    mappings.save_role_mapping(group, "User", {}, actor=admin)
    auth.login()
    page = client.get(f"/team/users/{pushed['ann']['id']}").text
    assert "Member of the Okta group <strong>Editors</strong>" in page


def test_role_mapping_pages_preview_then_save(
    client, auth, admin, scim, pushed, synced_org, library, app
):
    with app.app_context():
        from wizard.sync import api_connection

        api_connection.check_connection(OktaConnection.get())
    auth.login()
    group = Group.get(Group.scim_id == pushed["group"]["id"])
    page = client.get("/integrations/okta/roles").text
    data = {
        "csrf_token": csrf_token(page),
        "group": str(group.id),
        "access": "Admin",
        f"roles-{library.id}": ["Editor"],
    }
    preview = client.post("/integrations/okta/roles/preview", data=data)
    assert "2 members gain Editor on Library" in preview.text
    assert not RoleMapping.select().exists()
    client.post(
        "/integrations/okta/roles/save", data={**data, "csrf_token": csrf_token(preview.text)}
    )
    assert RoleMapping.get().site_roles == {str(library.id): ["Editor"]}
    assert member(pushed["ann"]).org_role is OrgRole.ADMIN


def test_sync_memberships_feed_mappings_and_details(app, synced_org, okta, admin):
    okta.add_users(3)
    okta.users["00u000001"]["profile"].update(
        jobTitle="Librarian", photoUrl="https://cdn.example.com/a.jpg"
    )
    okta.users["00u000002"]["profile"].update(
        jobTitle="Clerk", photoUrl="http://insecure.example.com/b.jpg"
    )
    okta.add_group("00gstaff", "All staff", ["00u000001", "00u000002"])
    run_sync_now(app, synced_org)
    mappings.save_role_mapping(Group.get(Group.okta_id == "00gstaff"), "User", {}, actor=admin)
    mappings.save_detail_mappings(synced_org, {"title": "jobTitle", "photo": "photoUrl"}, "jpeg")
    run_sync_now(app, synced_org)
    first, second, third = (Member.get(Member.okta_id == f"00u00000{n}") for n in (1, 2, 3))
    assert (first.title, first.photo_url, first.org_role) == (
        "Librarian",
        "https://cdn.example.com/a.jpg",
        OrgRole.USER,
    )
    assert second.photo_url == ""  # only https URLs are kept
    assert third.org_role is OrgRole.NONE
    assert first.field_sources["title"] == "sync"
    okta.group_members["00gstaff"].remove("00u000002")
    run_sync_now(app, synced_org)
    assert Member.get_by_id(second.id).org_role is OrgRole.NONE


def test_detail_mapping_refuses_a_photo_without_format_and_bad_property_names(org):
    with pytest.raises(mappings.MappingError, match="image format"):
        mappings.save_detail_mappings(org, {"photo": "photoUrl"}, "")
    for bad in ("x" * 101, "title; drop", "1stName"):
        with pytest.raises(mappings.MappingError, match="not an Okta profile property"):
            mappings.save_detail_mappings(org, {"title": bad}, "")


@pytest.fixture
def details_page(client, auth, admin, app, synced_org):
    """An admin on the detail mapping page, the Okta API tested (the page needs it)."""
    with app.app_context():
        from wizard.sync import api_connection

        api_connection.check_connection(OktaConnection.get())
    auth.login()

    def post(**fields):
        token = csrf_token(client.get("/integrations/okta/details").text)
        return client.post("/integrations/okta/details", data={**fields, "csrf_token": token})

    return post


def error_next_to(html: str, field_id: str) -> str:
    """The error text rendered under the field with this id ("" when none)."""
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def test_detail_mapping_refusal_keeps_the_admins_choices(details_page):
    """A refused save (a photo without its image format) comes back with every choice
    the admin made, the refusal next to the field it is about, and nothing saved."""
    response = details_page(
        **{
            "title-property": "jobTitle",
            "department-property": "__other__",
            "department-other": "costCenter",
            "photo-property": "photoUrl",
            "image_format": "",
        }
    )
    html = response.text
    assert response.status_code == 400
    assert "image format" in error_next_to(html, "image_format")
    assert re.search(r'<option selected value="jobTitle">', html)
    assert re.search(r'<option selected value="photoUrl">', html)
    assert 'value="costCenter"' in html
    assert DetailMapping.select().count() == 0


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        (
            {"department-property": "__other__", "department-other": "1stCost; drop"},
            "department-other",
            "not an Okta profile property",
        ),
        ({"title-property": "bad name"}, "title-property", "not an Okta profile property"),
        ({"department-property": "__other__"}, "department-other", "Type the Okta property"),
        (
            {"department-property": "__other__", "department-other": "x" * 101},
            "department-other",
            "100 characters",
        ),
        ({"image_format": "gif"}, "image_format", "Not a valid choice"),
    ],
    ids=["malformed-other", "malformed-listed", "other-empty", "other-too-long", "format"],
)
def test_detail_mapping_input_is_refused_next_to_its_field(details_page, fields, field_id, message):
    """Every bad value is refused with a message under its own field, nothing saved."""
    response = details_page(**fields)
    assert response.status_code == 400
    assert message in error_next_to(response.text, field_id)
    assert DetailMapping.select().count() == 0


def test_detail_mapping_saves_listed_and_typed_properties(details_page, synced_org):
    response = details_page(
        **{
            "title-property": "jobTitle",
            "department-property": "__other__",
            "department-other": "costCenter",
            "photo-property": "photoUrl",
            "image_format": "png",
        }
    )
    assert response.status_code == 302
    saved = mappings.detail_mappings(synced_org)
    assert {f: (m.okta_property, m.image_format) for f, m in saved.items()} == {
        "title": ("jobTitle", ""),
        "department": ("costCenter", ""),
        "photo": ("photoUrl", "png"),
    }


def test_scim_and_sync_write_the_same_fields_most_recent_wins(app, scim, synced_org, okta):
    okta.add_users(1)
    run_sync_now(app, synced_org)
    synced = Member.get(Member.okta_id == "00u000001")
    synced.managed_by = "scim"
    synced.save()
    scim.patch(f"/Users/{synced.scim_id}", [{"op": "replace", "path": "title", "value": "Boss"}])
    again = Member.get_by_id(synced.id)
    assert again.title == "Boss" and again.field_sources["title"] == "scim"


def test_staff_directory_lists_user_role_and_up(client, auth, admin, scim, pushed):
    mappings.save_role_mapping(
        Group.get(Group.scim_id == pushed["group"]["id"]), "User", {}, actor=admin
    )
    scim.create_user("norole@acme.example.com", "No", "Role")
    auth.login()
    page = client.get("/team/directory").text
    assert "ann@acme.example.com" in page and "norole@" not in page
    assert "bob@" not in client.get("/team/directory?q=ann").text


@pytest.mark.browser
def test_browser_mapping_with_preview_details_and_directory(
    page, live_server, app, admin, synced_org, okta, library, screenshot
):
    """Add a mapping with its preview, see the role and its reason, map details from the
    emulator's schema, and find the mapped fields in the staff directory."""
    okta.add_users(2)
    okta.users["00u000001"]["profile"]["jobTitle"] = "Librarian"  # a custom property
    okta.add_group("00geditors", "Editors", ["00u000001", "00u000002"])
    run_sync_now(app, synced_org)
    with app.app_context():
        from wizard.sync import api_connection

        api_connection.check_connection(OktaConnection.get())
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/integrations/okta/roles")
    page.get_by_label("Okta group").select_option(label="Editors")
    page.get_by_label("Admin access").check()
    page.locator(f'input[name="roles-{library.id}"][value="Editor"]').check()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("2 members gain Editor on Library")
    screenshot("mapping-preview")
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_role("heading", name="Editors")).to_be_visible()

    ann = Member.get(Member.okta_id == "00u000001")
    page.goto(f"{live_server.url}/team/users/{ann.scim_id}")
    expect(
        page.get_by_text("Member of the Okta group Editors (role mapping)").first
    ).to_be_visible()

    page.goto(f"{live_server.url}/integrations/okta/details")
    page.get_by_label("Job title", exact=True).select_option("jobTitle")
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_text("User detail mapping saved")).to_be_visible()
    screenshot("detail-mapping")
    assert "Librarian" not in page.content()
    run_sync_now(app, synced_org)

    page.goto(f"{live_server.url}/team/directory")
    expect(page.get_by_text("Librarian")).to_be_visible()
    screenshot("staff-directory")
