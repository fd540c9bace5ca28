"""Every writer goes through the directory rules: who manages a member, whether it is
active, its memberships and role grants change in ``wizard/directory/`` only (a parse of
every other module checks it), and each door that used to write them by hand now leaves
what the rules leave: a new version and ``lastModified``, an audit row on the member's
timeline, ended sessions, a refusal where a rule refuses."""

import ast
from datetime import datetime
from pathlib import Path

from tests.conftest import PASSWORD, csrf_token
from tests.test_failed_migrations import body, post_action
from wizard.db import database
from wizard.domain import accounts, disconnect, session_records
from wizard.domain.organizations import create_organization
from wizard.domain.roles import OrgRole
from wizard.domain.session_records import SessionEnd, SignInMethod, open_record
from wizard.models import (
    AuditEvent,
    FailedMigration,
    Member,
    SessionRecord,
)

ROOT = Path(__file__).resolve().parent.parent
WIZARD = ROOT / "wizard"
OWNERS = (WIZARD / "directory", WIZARD / "migrations")
GUARDED_ATTRIBUTES = {"active", "managed_by"}
GRANT_MODELS = {"Membership", "RoleAssignment"}
WRITES = {
    "create", "insert", "insert_many", "insert_from", "replace", "replace_many",
    "update", "delete", "delete_by_id", "get_or_create", "bulk_create", "bulk_update",
}  # fmt: skip


def _model_call(node) -> tuple[str, str] | None:
    """("Member", "update") for ``Member.update(...)`` or ``models.Member.update(...)``."""
    func = node.func if isinstance(node, ast.Call) else None
    if not isinstance(func, ast.Attribute):
        return None
    if isinstance(func.value, ast.Name):
        return func.value.id, func.attr
    if isinstance(func.value, ast.Attribute):
        return func.value.attr, func.attr
    return None


def _keywords(call: ast.Call) -> set[str]:
    names = {k.arg for k in call.keywords if k.arg}
    for arg in call.args:  # Member.update({"active": False}) or {Member.active: False}
        if isinstance(arg, ast.Dict):
            for key in arg.keys:
                if isinstance(key, ast.Constant):
                    names.add(key.value)
                elif isinstance(key, ast.Attribute):
                    names.add(key.attr)
    return names


def _assigned_attributes(node) -> list[str]:
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    found = []
    while targets:
        target = targets.pop()
        if isinstance(target, ast.Tuple | ast.List):
            targets.extend(target.elts)
        elif isinstance(target, ast.Attribute):
            found.append(target.attr)
    return found


def directory_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) of every write the directory owns: ``x.active = ...`` or
    ``x.managed_by = ...`` (setattr too), ``Member.update/create/insert(...)`` naming
    ``active`` or ``managed_by``, and any write to Membership or RoleAssignment."""
    found = []
    for node in ast.walk(tree):
        for attr in _assigned_attributes(node):
            if attr in GUARDED_ATTRIBUTES:
                found.append((node.lineno, f".{attr} assigned"))
        call = _model_call(node)
        if call is None:
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "setattr"
                and len(node.args) > 1
                and getattr(node.args[1], "value", None) in GUARDED_ATTRIBUTES
            ):
                found.append((node.lineno, f"setattr {node.args[1].value}"))
            continue
        model, method = call
        if model in GRANT_MODELS and method in WRITES:
            found.append((node.lineno, f"{model}.{method}"))
        elif model == "Member" and method in WRITES and _keywords(node) & GUARDED_ATTRIBUTES:
            found.append(
                (node.lineno, f"Member.{method} with {_keywords(node) & GUARDED_ATTRIBUTES}")
            )
    return sorted(found)


def modules_outside_the_directory():
    for path in sorted(WIZARD.rglob("*.py")):
        if not any(owner in path.parents for owner in OWNERS):
            yield path


def test_only_the_directory_writes_members_memberships_and_grants():
    """No module outside wizard/directory/ (and the migrations) changes whether a member
    is active or who manages it, nor writes a membership or a role grant: the directory
    rules (version, lastModified, audit, sessions, seats, keep local) cannot be skipped."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in modules_outside_the_directory()
        for line, what in directory_writes(ast.parse(path.read_text(), str(path)))
    ]
    assert offenders == []


def test_the_check_catches_each_kind_of_write():
    """A deliberate violation of each kind is caught; reads and other columns are not."""
    caught = directory_writes(
        ast.parse(
            "member.active = False\n"
            "member.managed_by, member.title = 'local', 'x'\n"
            "setattr(member, 'managed_by', 'scim')\n"
            "Member.update(active=False).where(Member.id == 1).execute()\n"
            "Member.update({Member.managed_by: 'scim'}).execute()\n"
            "Member.create(email='a@example.com', managed_by='scim')\n"
            "Membership.insert_many(rows).execute()\n"
            "RoleAssignment.delete().where(RoleAssignment.id == 1).execute()\n"
            "RoleAssignment.create(member=m, role='Admin')\n"
            "models.Membership.delete().execute()\n"
            "Member.update(okta_id='00u1').execute()\n"
            "Member.select().where(Member.active)\n"
            "RoleAssignment.select().where(RoleAssignment.member == m)\n"
            "if member.active == True: pass\n"
        )
    )
    assert [line for line, _ in caught] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


# --- each door that wrote by hand ----------------------------------------------------


def signed_in_session(member: Member) -> SessionRecord:
    record, _token = open_record(member, SignInMethod.OKTA)
    return record


def test_disconnect_deactivates_through_the_rules(client, auth, admin, scim, db):
    """Disconnecting deactivates Okta's members as Okta's own deactivation does: a new
    version and lastModified, their sessions ended, and the timeline says who did it."""
    jane = scim.create_user("jane@acme.example.com")
    member = Member.get(Member.scim_id == jane["id"])
    session = signed_in_session(member)
    auth.login()
    page = client.get("/integrations/okta/disconnect").text
    client.post(
        "/integrations/okta/disconnect",
        data={"csrf_token": csrf_token(page), "confirm_name": "Acme"},
    )
    gone = Member.get_by_id(member.id)
    assert not gone.active and gone.deactivated_at is not None
    assert gone.version == member.version + 1 and gone.updated_at > member.updated_at
    assert SessionRecord.get_by_id(session.id).end_reason == SessionEnd.ENDED_EVERYWHERE
    event = AuditEvent.get(
        (AuditEvent.action == "member.deactivated") & (AuditEvent.target_id == str(member.id))
    )
    assert (event.actor_id, event.details) == (admin.id, {"why": "okta_disconnected"})
    assert "member deactivated" in client.get(f"/team/users/{jane['id']}/timeline").text


def test_okta_deactivation_ends_the_members_sessions(scim, db):
    """A SCIM deactivation ends the member's session records too, not only the cookie's
    session version: their session list shows them ended, with why."""
    jane = scim.create_user("jane@acme.example.com")
    session = signed_in_session(Member.get(Member.scim_id == jane["id"]))
    scim.patch(f"/Users/{jane['id']}", [{"op": "replace", "value": {"active": False}}])
    ended = SessionRecord.get_by_id(session.id)
    assert ended.ended_at is not None and ended.end_reason == SessionEnd.ENDED_EVERYWHERE


def test_conversion_never_reuses_a_version_okta_has_seen(admin, scim, app_context, db):
    """The page lists Okta's members, then Okta changes one, then the admin converts:
    the conversion applies to the member as it is now, so its version moves past the
    one Okta was given (a stale one would hand out one ETag for two states)."""
    jane = scim.create_user("jane@acme.example.com")
    listed = list(disconnect.okta_managed(admin.organization))
    changed = scim.patch(
        f"/Users/{jane['id']}", [{"op": "replace", "path": "title", "value": "CTO"}]
    )
    okta_saw = int(changed.json()["meta"]["version"].strip('W/"'))
    disconnect.convert_to_local(listed, actor=admin)
    converted = Member.get(Member.scim_id == jane["id"])
    assert (converted.managed_by, converted.title) == ("local", "CTO")
    assert converted.version == okta_saw + 1
    event = AuditEvent.get(AuditEvent.action == "member.converted_to_local")
    assert (event.actor_id, event.details) == (admin.id, {"from": "scim"})


def duplicate_of_local_member(org, scim) -> Member:
    """A local member, and Okta's create of another userName with its email (refused)."""
    email = "pat@acme.example.com"
    local = Member.create(
        organization=org,
        email=email,
        email_key=email,
        user_name="pat.local",
        user_name_key="pat.local",
    )
    assert scim.post("/Users", body("pat@okta", email)).status_code == 409
    return local


def test_support_link_is_a_member_linked_on_the_timeline(client, auth, admin, scim, org):
    """Linking a duplicate hands the member to Okta as Okta's own takeover does:
    ``member.linked`` (from local to scim) on the member, a new version and
    lastModified, so Okta's next read sees a changed resource."""
    local = duplicate_of_local_member(org, scim)
    auth.login()
    post_action(client, FailedMigration.get(), "link")
    linked = Member.get_by_id(local.id)
    assert (linked.managed_by, linked.user_name) == ("scim", "pat@okta")
    assert linked.version == local.version + 1 and linked.updated_at > local.updated_at
    event = AuditEvent.get(
        (AuditEvent.action == "member.linked") & (AuditEvent.target_id == str(local.id))
    )
    assert (event.actor_id, event.details) == (admin.id, {"from": "local", "to": "scim"})
    assert "member linked" in client.get(f"/team/users/{local.scim_id}/timeline").text


def test_support_link_refuses_a_member_kept_local_since(client, auth, admin, scim, org):
    """Attack: the duplicate's member is made kept local (the break-glass admin) after the
    failure was recorded; the link is refused by the directory's rule, nothing changes."""
    local = duplicate_of_local_member(org, scim)
    Member.update(keep_local=True).where(Member.id == local.id).execute()
    auth.login()
    post_action(client, FailedMigration.get(), "link")
    unchanged = Member.get_by_id(local.id)
    assert (unchanged.managed_by, unchanged.user_name, unchanged.version) == (
        "local",
        "pat.local",
        1,
    )
    assert FailedMigration.get().status == "open"
    assert not AuditEvent.select().where(AuditEvent.action == "member.linked").exists()


def test_the_demo_reset_reactivates_through_the_rules(db):
    """``flask demo`` on a deactivated demo admin reactivates it as the rules do: a seat
    checked, a new version, and ``member.activated`` on its timeline."""
    _, admin, _ = accounts.ensure_demo()
    Member.update(active=False).where(Member.id == admin.id).execute()
    _, _, password = accounts.ensure_demo()
    back = Member.get_by_id(admin.id)
    assert back.active and back.version == admin.version + 1
    assert AuditEvent.get(
        (AuditEvent.action == "member.activated") & (AuditEvent.target_id == str(admin.id))
    ).details == {"why": "demo_reset"}
    assert accounts.authenticate(back.email, password).id == admin.id


def test_an_owner_is_created_with_its_grant_through_the_rules(org):
    """``member create-admin``: the owner's hand-given grant is the directory's manual
    grant, and its effective role follows from it."""
    owner = accounts.create_local_admin(org, "owner@acme.example.com", PASSWORD)
    grants = list(owner.role_assignments)
    assert [(g.role, g.source, g.site_id) for g in grants] == [("Admin", "manual", None)]
    assert Member.get_by_id(owner.id).org_role is OrgRole.ADMIN


def test_ending_a_members_sessions_ends_theirs_only_on_either_engine(any_db_app):
    """The compiled statement binds the member it was given: another member's session
    stays live, and a record ended before keeps its own end."""
    with any_db_app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        jane, john = (
            Member.create(
                organization=org, email=name, email_key=name, user_name=name, user_name_key=name
            )
            for name in ("jane@acme.example.com", "john@acme.example.com")
        )
        live, johns = signed_in_session(jane), signed_in_session(john)
        earlier = signed_in_session(jane)
        session_records.end(earlier, SessionEnd.SIGNED_OUT)
        first_end = SessionRecord.get_by_id(earlier.id).ended_at
        assert session_records.end_all(jane, SessionEnd.ENDED_EVERYWHERE) == 1
        ended = SessionRecord.get_by_id(live.id)
        assert ended.end_reason == SessionEnd.ENDED_EVERYWHERE
        assert isinstance(ended.ended_at, datetime) and ended.ended_at >= first_end
        assert SessionRecord.get_by_id(johns.id).ended_at is None
        kept = SessionRecord.get_by_id(earlier.id)
        assert (kept.end_reason, kept.ended_at) == (SessionEnd.SIGNED_OUT, first_end)
