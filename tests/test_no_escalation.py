"""Nobody grants more than they hold: role mappings, roles given by hand, password reset
links and "link to the existing member", each attacked over the real routes by an Admin
who wants to become (or unseat) an EnterpriseAdmin."""

import re

import pytest

from tests.conftest import PASSWORD, csrf_token
from wizard.directory import grants
from wizard.domain import accounts
from wizard.domain.roles import OrgRole
from wizard.models import (
    AuditEvent,
    FailedMigration,
    Group,
    Member,
    Organization,
    PasswordSetLink,
    RoleAssignment,
    RoleMapping,
)


def local_member(org, email, role: OrgRole = OrgRole.NONE, password=True) -> Member:
    """A local member who is not an owner (not kept local), with a manual grant."""
    member = accounts.create_local_admin(org, email, PASSWORD, role, keep_local=False)
    if not password:
        Member.update(password_hash=None).where(Member.id == member.id).execute()
    if role is OrgRole.NONE:
        RoleAssignment.delete().where(RoleAssignment.member == member).execute()
    return Member.get_by_id(member.id)


@pytest.fixture
def second_admin(org, admin):
    """An Admin (one below the owner, an EnterpriseAdmin)."""
    return local_member(org, "second@acme.example.com", OrgRole.ADMIN)


def sign_in(auth, member):
    assert auth.login(email=member.email).status_code == 302


def outbox(app) -> list:
    return getattr(app.extensions["mailman"], "outbox", [])


# --- role mappings -----------------------------------------------------------------------


@pytest.fixture
def mapping_page(app, scim, synced_org):
    """Role mapping is open (the Okta API test passed) and Okta pushed group "Editors"."""
    from wizard.models import OktaConnection
    from wizard.sync import api_connection

    with app.app_context():
        api_connection.check_connection(OktaConnection.get())
    ann = scim.create_user("ann@acme.example.com", "Ann", "A")
    scim.post("/Groups", {"displayName": "Editors", "members": [{"value": ann["id"]}]})
    return Group.get(Group.display_name == "Editors")


def post_mapping(client, step, group, access):
    page = client.get("/integrations/okta/roles").text
    data = {"csrf_token": csrf_token(page), "group": str(group.id), "access": access}
    return client.post(f"/integrations/okta/roles/{step}", data=data)


@pytest.mark.parametrize("step", ["preview", "save"])
@pytest.mark.parametrize("access", ["Admin", "EnterpriseAdmin"])
def test_admin_cannot_map_a_group_to_admin(client, auth, second_admin, mapping_page, step, access):
    """Attack: an Admin maps an Okta group they control to Admin (or EnterpriseAdmin)
    by forging the form. Refused next to the field; nothing saved, nobody gains a role."""
    sign_in(auth, second_admin)
    form = client.get("/integrations/okta/roles").text
    assert 'value="Admin"' not in form  # not offered
    response = post_mapping(client, step, mapping_page, access)
    assert response.status_code == 400
    assert 'id="access-error"' in response.text  # the refusal, next to the field
    assert not RoleMapping.select().exists()
    assert not RoleAssignment.select().where(RoleAssignment.source == "mapping").exists()
    assert Member.get(Member.email_key == "ann@acme.example.com").org_role is OrgRole.NONE


def test_admin_maps_to_user(client, auth, second_admin, mapping_page):
    """What an Admin may do: a member login (User) for the group's members."""
    sign_in(auth, second_admin)
    post_mapping(client, "save", mapping_page, "User")
    assert RoleMapping.get().org_role == "User"
    assert Member.get(Member.email_key == "ann@acme.example.com").org_role is OrgRole.USER


def test_admin_cannot_change_or_remove_an_admin_mapping(
    client, auth, admin, second_admin, mapping_page
):
    """Attack: an Admin demotes the admins an EnterpriseAdmin's mapping made, by turning
    the mapping into User or removing it. Both refused; the mapping stays."""
    sign_in(auth, admin)
    post_mapping(client, "save", mapping_page, "Admin")
    assert RoleMapping.get().org_role == "Admin"
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    sign_in(auth, second_admin)
    changed = post_mapping(client, "save", mapping_page, "User")
    assert changed.status_code == 400
    page = client.get("/integrations/okta/roles").text
    removed = client.post(
        f"/integrations/okta/roles/{RoleMapping.get().id}/delete",
        data={"csrf_token": csrf_token(page)},
    )
    assert removed.status_code == 403
    assert RoleMapping.get().org_role == "Admin"


def test_enterprise_admin_maps_to_admin_never_to_enterprise_admin(
    client, auth, admin, mapping_page
):
    """EnterpriseAdmin is given by hand only: a mapping would hand it to whoever can edit
    the Okta group."""
    sign_in(auth, admin)
    refused = post_mapping(client, "save", mapping_page, "EnterpriseAdmin")
    assert refused.status_code == 400 and not RoleMapping.select().exists()
    post_mapping(client, "save", mapping_page, "Admin")
    assert Member.get(Member.email_key == "ann@acme.example.com").org_role is OrgRole.ADMIN


# --- roles given by hand ---------------------------------------------------------------


def post_role(client, member, role):
    page = client.get(f"/team/users/{member.scim_id}").text
    return client.post(
        f"/team/users/{member.scim_id}/role",
        data={"csrf_token": csrf_token(page), "role": role},
    )


def test_admin_cannot_give_admin_by_hand(client, auth, org, second_admin):
    """Attack: an Admin forges the role form to make a friend Admin or EnterpriseAdmin."""
    friend = local_member(org, "friend@acme.example.com")
    sign_in(auth, second_admin)
    page = client.get(f"/team/users/{friend.scim_id}").text
    assert 'value="User"' in page and 'value="Admin"' not in page
    for role in ("Admin", "EnterpriseAdmin"):
        response = post_role(client, friend, role)
        assert response.status_code == 400, role
        assert Member.get_by_id(friend.id).org_role is OrgRole.NONE
    assert not AuditEvent.select().where(AuditEvent.action == "member.role_changed").exists()


def test_admin_cannot_change_the_role_of_an_admin_or_above(client, auth, admin, second_admin, org):
    """Attack: an Admin demotes the EnterpriseAdmin, or another Admin, to User."""
    other = local_member(org, "third@acme.example.com", OrgRole.ADMIN)
    sign_in(auth, second_admin)
    for target in (admin, other, second_admin):
        page = client.get(f"/team/users/{target.scim_id}").text
        assert f"/team/users/{target.scim_id}/role" not in page
        assert post_role(client, target, "User").status_code == 403
    assert Member.get_by_id(admin.id).org_role is OrgRole.ENTERPRISE_ADMIN
    assert Member.get_by_id(other.id).org_role is OrgRole.ADMIN


def test_admin_gives_user_and_enterprise_admin_gives_admin(client, auth, admin, second_admin, org):
    """Within the rule it works, as a manual grant, audited."""
    pat = local_member(org, "pat@acme.example.com")
    sign_in(auth, second_admin)
    assert post_role(client, pat, "User").status_code == 302
    assert Member.get_by_id(pat.id).org_role is OrgRole.USER
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    sign_in(auth, admin)
    assert post_role(client, pat, "Admin").status_code == 302
    assert Member.get_by_id(pat.id).org_role is OrgRole.ADMIN
    grant = grants.org_grants(pat).get()
    assert (grant.role, grant.source) == ("Admin", "manual")
    event = (
        AuditEvent.select()
        .where(AuditEvent.action == "member.role_changed")
        .order_by(AuditEvent.id.desc())[0]
    )
    assert (event.actor_id, event.details) == (admin.id, {"from": "User", "to": "Admin"})


def test_roles_of_okta_managed_members_stay_with_okta(client, auth, admin, scim):
    """A manual grant on an Okta-managed member would outlive Okta's own decision."""
    jane = scim.create_user("jane@acme.example.com")
    sign_in(auth, admin)
    member = Member.get(Member.scim_id == jane["id"])
    assert post_role(client, member, "Admin").status_code == 400
    assert Member.get_by_id(member.id).org_role is OrgRole.NONE


def test_the_last_enterprise_admin_cannot_step_down(client, auth, admin):
    """An organization without an EnterpriseAdmin could not get one back."""
    sign_in(auth, admin)
    response = post_role(client, admin, "Admin")
    assert response.status_code == 400 and "last Enterprise admin" in response.text
    assert Member.get_by_id(admin.id).org_role is OrgRole.ENTERPRISE_ADMIN


def test_roles_need_a_fresh_sign_in(client, auth, org, admin):
    pat = local_member(org, "pat@acme.example.com")
    sign_in(auth, admin)
    with client.session_transaction() as session:
        session["auth_at"] = 1
    response = post_role(client, pat, "User")
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert Member.get_by_id(pat.id).org_role is OrgRole.NONE


# --- password reset links ----------------------------------------------------------------


def post_reset(client, member):
    page = client.get(f"/team/users/{member.scim_id}").text
    return client.post(
        f"/team/users/{member.scim_id}/password-link", data={"csrf_token": csrf_token(page)}
    )


def test_admin_cannot_reset_the_password_of_an_admin_or_above(
    client, auth, app, admin, second_admin, org
):
    """Attack: an Admin sends the EnterpriseAdmin's account a reset link (to an inbox or
    a page they read) and takes the account over. Refused; no link exists."""
    other = local_member(org, "third@acme.example.com", OrgRole.ADMIN)
    sign_in(auth, second_admin)
    for target in (admin, other):
        assert (
            f"/team/users/{target.scim_id}/password-link"
            not in client.get(f"/team/users/{target.scim_id}").text
        )
        assert post_reset(client, target).status_code == 403
    assert PasswordSetLink.select().count() == 0 and outbox(app) == []


def test_reset_link_is_emailed_and_never_shown(client, auth, app, second_admin, org):
    """With mail, the member's inbox gets the link; the Admin's page never shows it."""
    pat = local_member(org, "pat@acme.example.com", OrgRole.USER)
    sign_in(auth, second_admin)
    response = post_reset(client, pat)
    page = client.get(response.headers["Location"]).text if response.status_code == 302 else ""
    assert "set-password/" not in response.text + page
    (message,) = outbox(app)
    assert message.to == ["pat@acme.example.com"]
    link = re.search(r"(/account/set-password/\S+)", message.body)[1]
    event = AuditEvent.get(AuditEvent.action == "password_link.issued")
    assert event.details == {"delivery": "email", "reason": "reset"}
    assert link.rsplit("/", 1)[1] not in str(event.details)
    other = app.test_client()
    form = other.get(link)
    assert form.status_code == 200
    new = "a brand new passphrase"
    other.post(
        link, data={"csrf_token": csrf_token(form.text), "new_password": new, "confirm": new}
    )
    assert accounts.authenticate("pat@acme.example.com", new).id == pat.id
    assert other.get(link).status_code == 410


def test_reset_without_mail_is_shown_to_an_enterprise_admin_only(
    client, auth, app, admin, second_admin, org
):
    """Without mail the link is shown to an EnterpriseAdmin (who hands it over), never to
    an Admin: an Admin's reset says to configure mail and issues nothing."""
    app.config["MAIL_BACKEND"] = None
    pat = local_member(org, "pat@acme.example.com", OrgRole.USER)
    sign_in(auth, second_admin)
    refused = post_reset(client, pat)
    text = refused.text + (client.get(refused.headers["Location"]).text if refused.location else "")
    assert "set-password/" not in text and "mail" in text.lower()
    assert PasswordSetLink.select().count() == 0
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    sign_in(auth, admin)
    shown = post_reset(client, pat)
    assert shown.headers["Cache-Control"] == "no-store"
    assert re.search(r"/account/set-password/okcp_", shown.text)
    deliveries = [
        e.details["delivery"]
        for e in AuditEvent.select()
        .where(AuditEvent.action == "password_link.issued")
        .order_by(AuditEvent.id)
    ]
    assert deliveries == ["withheld", "shown"]


def test_password_links_are_for_local_members(client, auth, app, admin, scim, org):
    """Okta's members have Okta's password; a local member without one (a conversion
    whose link was withheld) may be sent one."""
    jane = scim.create_user("jane@acme.example.com")
    nopass = local_member(org, "nopass@acme.example.com", password=False)
    sign_in(auth, admin)
    assert post_reset(client, Member.get(Member.scim_id == jane["id"])).status_code == 400
    assert PasswordSetLink.select().count() == 0
    assert post_reset(client, nopass).status_code == 302
    assert [m.to for m in outbox(app)] == [["nopass@acme.example.com"]]


# --- failed migrations: link to the existing member ------------------------------------


def test_admin_cannot_hand_an_enterprise_admin_account_to_okta(
    client, auth, scim, admin, second_admin, org
):
    """Attack: an Admin makes Okta push a user with the EnterpriseAdmin's email (a
    duplicate), then "links" it: the EnterpriseAdmin's account would be Okta-managed,
    so whoever controls that Okta user controls it. Refused; the member stays local."""
    boss = local_member(org, "boss@acme.example.com", OrgRole.ENTERPRISE_ADMIN)
    refused = scim.post(
        "/Users",
        {
            "userName": "boss@okta",
            "name": {"givenName": "B", "familyName": "O"},
            "emails": [{"value": boss.email}],
        },
    )
    assert refused.status_code == 409
    failure = FailedMigration.get(FailedMigration.reason == "duplicate_email")
    sign_in(auth, second_admin)
    page = client.get("/team/failed-migrations").text
    client.post(f"/failed-migrations/{failure.id}/link", data={"csrf_token": csrf_token(page)})
    kept = Member.get_by_id(boss.id)
    assert (kept.managed_by, kept.user_name) == ("local", boss.email)
    assert FailedMigration.get_by_id(failure.id).status == "open"
    assert AuditEvent.get(AuditEvent.action == "failed_migration.link_refused")


# --- password links outlive nothing they were issued for --------------------------------


def set_password_by_link(app, link: str, new: str):
    visitor = app.test_client()
    form = visitor.get(link)
    if form.status_code != 200:
        return form
    return visitor.post(
        link, data={"csrf_token": csrf_token(form.text), "new_password": new, "confirm": new}
    )


def test_a_shown_link_dies_when_its_member_becomes_an_enterprise_admin(
    client, auth, app, admin, org
):
    """Attack: without mail, an EnterpriseAdmin is shown Pat's link while Pat is a User,
    keeps it, and Pat is made EnterpriseAdmin later: the old link would now hand them
    another EnterpriseAdmin's account, which ``password_links`` never shows. A change of
    role voids the member's outstanding links."""
    app.config["MAIL_BACKEND"] = None
    pat = local_member(org, "pat@acme.example.com", OrgRole.USER)
    sign_in(auth, admin)
    link = re.search(r"(/account/set-password/okcp_[A-Za-z0-9_-]+)", post_reset(client, pat).text)[
        1
    ]
    assert post_role(client, pat, "EnterpriseAdmin").status_code == 302
    assert set_password_by_link(app, link, "the keeper's new passphrase").status_code == 410
    assert accounts.authenticate(pat.email, PASSWORD).id == pat.id  # Pat's own still works


def test_a_link_dies_when_okta_takes_the_member_over(client, auth, app, admin, scim, org):
    """Attack: a reset link mailed to a local member stays in the inbox; Okta then takes
    the member over (its first SCIM write). The old link would give an Okta-managed
    account a password of ours, a way around Okta's sign-in policy. A link sets a
    password only for a member still active and locally managed."""
    lee = local_member(org, "lee@acme.example.com", OrgRole.USER, password=False)
    sign_in(auth, admin)
    assert post_reset(client, lee).status_code == 302
    link = re.search(r"(/account/set-password/\S+)", outbox(app)[0].body)[1]
    listed = scim.get('/Users?filter=userName eq "lee@acme.example.com"').json()["Resources"]
    taken = scim.patch(
        f"/Users/{listed[0]['id']}", [{"op": "replace", "path": "title", "value": "Okta's now"}]
    )
    assert taken.status_code == 200 and Member.get_by_id(lee.id).managed_by == "scim"
    assert set_password_by_link(app, link, "a password okta never knew").status_code == 410
    assert Member.get_by_id(lee.id).password_hash is None


def test_an_organization_name_cannot_break_or_bend_the_mail(
    client, auth, app, admin, second_admin, org
):
    """Attack: an Admin (who may rename the organization) puts a line break and a Bcc
    header in the name, which every password link's subject carries. The settings page
    refuses such a name now (tests/test_organization_names.py); one stored before that
    rule, or by another door, still cannot bend the mail: it goes out, to the member only,
    with a one-line subject, and the reset does not fail with a 500."""
    sign_in(auth, second_admin)
    page = client.get("/org/settings").text
    renamed = client.post(
        "/org/settings",
        data={
            "csrf_token": csrf_token(page),
            "name": "Acme\r\nBcc: thief@evil.example.com",
            "timezone": "UTC",
        },
    )
    assert renamed.status_code == 200 and "control character" in renamed.text
    Organization.update(name="Acme\r\nBcc: thief@evil.example.com").where(
        Organization.id == org.id
    ).execute()  # as stored before the rule
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    pat = local_member(org, "pat@acme.example.com", OrgRole.USER)
    sign_in(auth, admin)
    assert post_reset(client, pat).status_code == 302
    (message,) = outbox(app)
    assert message.to == ["pat@acme.example.com"] and not message.bcc
    with app.app_context():
        headers = message.message()
    assert headers["Bcc"] is None and "\n" not in headers["Subject"]
    assert "thief@evil.example.com" not in message.recipients()
