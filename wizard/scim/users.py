"""``/Users`` (RFC 7644 §3, as Okta uses it). Each route is a short wrapper: parse,
apply through ``replay`` (shared with the support retry), answer with the full resource."""

import json
import re

from flask import g, request

from .. import directory
from ..db import rows_from_either_end
from ..directory import grants
from ..domain import member_tally
from ..domain.redaction import strip_operations, strip_secrets
from ..domain.sources import GrantSource
from ..models import (
    Member,
    RoleAssignment,
    ScimHealth,
    fold,
    utcnow,
)
from ..prepared import Prepared
from . import patch, replay
from .blueprint import bp
from .errors import ScimError, scim_response
from .filter_attributes import user_filter_attributes
from .filters import MAX_FILTER_LENGTH, to_expression
from .mapping import groups_of, user_to_scim
from .outcomes import applying, who_from_profile
from .protocol import (
    check_version,
    list_response,
    paging,
    project,
    read_json,
    unstorable_text,
    wants_attribute,
)


def visible_members():
    """Members SCIM may see: this organization's, not deleted through SCIM, not kept
    local (the owners and the break-glass admin). Staff have no organization and never
    appear."""
    return Member.select().where(
        (Member.organization == g.scim_organization) & ~Member.scim_hidden & ~Member.keep_local
    )


def member_or_404(user_id: str) -> Member:
    """A kept-local member answers like an id that does not exist (RFC 7644 §3.4.1: 404),
    so a SCIM caller can neither read, change nor deactivate it, nor tell it exists."""
    member = replay.visible_member(g.scim, user_id)
    if member is None:
        raise ScimError(404, f"User {user_id} not found.")
    g.scim_resource = ("User", member.scim_id)
    return member


def render(member: Member, status: int = 200, headers=None):
    groups = None
    if wants_attribute("groups"):
        created = member.__dict__.get("just_created", False)  # a new member is in no group
        groups = [] if created else groups_of([member.id])[member.id]
    resource = project(user_to_scim(member, g.scim.base_url, groups, grants.scim_role(member)))
    headers = {"ETag": resource.get("meta", {}).get("version", ""), **(headers or {})}
    return scim_response(resource, status, headers)


# Okta's existence check before every create; answered by one compiled, indexed lookup.
USER_NAME_EQ = re.compile(r'\s*username\s+eq\s+"((?:[^"\\]|\\.)*)"\s*', re.IGNORECASE)
_VISIBLE_BY_USER_NAME = Prepared(
    lambda org, key: (
        Member.select()
        .where(
            (Member.organization == org)
            & ~Member.scim_hidden
            & ~Member.keep_local
            & (Member.user_name_key == key)
        )
        .order_by(Member.id)
    ),
    int,
    str,
)


@bp.get("/Users")
def list_users():
    start, count = paging()
    text = _filter_argument()
    user_name = _exact_user_name(text) if start == 1 and count else None
    if user_name is not None:
        page = _VISIBLE_BY_USER_NAME.rows(g.scim_organization.id, fold(user_name))
        total = len(page)
    else:
        query = visible_members()
        total = None
        if text:
            query = query.where(to_expression(text, user_filter_attributes()))
        else:  # everyone SCIM sees: the tally's count, not 100,000 rows counted
            total = member_tally.members(g.scim_organization.id, scim_visible=True)
        total = query.count() if total is None else total
        page = _page(query, start - 1, count, total) if count else []
    groups = groups_of([m.id for m in page]) if wants_attribute("groups") else {}
    roles = _scim_roles([m.id for m in page])
    base = g.scim.base_url
    resources = [project(user_to_scim(m, base, groups.get(m.id), roles.get(m.id))) for m in page]
    return scim_response(list_response(resources, total, start))


def _page(query, offset: int, count: int, total: int) -> list[Member]:
    """``count`` members from ``offset``, by id, read from the nearer end: Okta's import
    pages through everyone (the last page of 1,000,000 members took 250-440 ms of OFFSET;
    docs/benchmarks.md)."""
    return rows_from_either_end(
        query.order_by(Member.id), (Member.id.desc(),), offset, count, total
    )


@bp.post("/Users")
def create_user():
    change = replay.UserChange.read(_user_body())
    with applying("create", who_from_profile(change.profile)):
        member = replay.create_user(g.scim, change)
    g.scim_resource = ("User", member.scim_id)
    response = render(member, 201)
    response.headers["Location"] = f"{g.scim.base_url}/Users/{member.scim_id}"
    return response


@bp.get("/Users/<user_id>")
def get_user(user_id):
    return render(member_or_404(user_id))


@bp.put("/Users/<user_id>")
def replace_user(user_id):
    change = replay.UserChange.read(_user_body())
    with applying("update", who_from_profile(change.profile)) as attempt:
        member = member_or_404(user_id)
        check_version(member)
        _update(member, change, attempt)
    return render(member)


@bp.patch("/Users/<user_id>")
def patch_user(user_id):
    # Read, checked and compiled before the write lock: a PATCH as large as the body limit
    # allows must not hold every other writer (on SQLite, every tenant's) while parsing.
    ops, removed = strip_operations(patch.operations(read_json()))
    _note_password_push(removed)
    steps = patch.compile_user_patch(ops)
    with applying("update") as attempt:
        # Applied to the member as it is once this request holds the write lock, so
        # two PATCHes racing from Okta's workers both land.
        member = member_or_404(user_id)
        check_version(member)
        change = replay.patched_user(g.scim, member, steps)
        attempt.who = who_from_profile(change.profile)
        _update(member, change, attempt)
    return render(member)


@bp.delete("/Users/<user_id>")
def delete_user(user_id):
    with applying("delete") as attempt:
        member = member_or_404(user_id)
        check_version(member)
        attempt.who = who_from_profile({"user_name": member.user_name, "email": member.email})
        directory.hide_member(member, actor_label=replay.ACTOR)
    return scim_response(None, 204)


def _update(member: Member, change: replay.UserChange, attempt) -> None:
    if change.active is not directory.UNSET and change.active != member.active:
        attempt.operation = "reactivate" if change.active else "deactivate"
    replay.replace_user(member, change)


def _user_body() -> dict:
    """A User body (POST, PUT) without the password Okta pushes: the directory never sees
    it, whatever the spelling (wizard/domain/redaction.py)."""
    body, removed = strip_secrets(read_json())
    if request.method != "POST":  # every create carries Okta's placeholder
        _note_password_push(removed)
    return body


def _note_password_push(removed: set[str]) -> None:
    """A password in an update means Okta's Sync Password is on; we never store it, but the
    wizard tells the admin to turn it off."""
    if "password" in removed:
        ScimHealth.update(password_push_seen_at=utcnow()).where(
            ScimHealth.connection == g.scim_connection.id
        ).execute()


def _filter_argument() -> str:
    return (request.args.get("filter") or "").strip()


def _exact_user_name(text: str) -> str | None:
    """The value of a bare ``userName eq "..."`` filter (JSON string escapes allowed);
    one over the length limit takes the general path, which refuses it."""
    if len(text) > MAX_FILTER_LENGTH:
        return None
    match = USER_NAME_EQ.fullmatch(text)
    if match is None:
        return None
    try:
        value = json.loads(f'"{match[1]}"')
    except ValueError:
        return None
    return None if unstorable_text(value) else value


def _scim_roles(member_ids: list[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    query = RoleAssignment.select(RoleAssignment.member, RoleAssignment.role).where(
        RoleAssignment.member.in_(member_ids)
        & (RoleAssignment.source == GrantSource.SCIM)
        & RoleAssignment.site.is_null()
        & ~RoleAssignment.all_sites
    )
    return dict(query.tuples())
