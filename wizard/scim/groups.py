"""``/Groups``: Okta's Push Groups (RFC 7644 §3; Okta's rules in docs/scim.md).

Membership changes are applied as sets in one transaction. A member id we do not
know is skipped and recorded (``unknown_member``), never a 400: Okta stops the whole
group push on an error.
"""

from collections.abc import Callable

from flask import g, request

from .. import directory
from ..domain import failures
from ..domain.sources import Source
from ..models import Group
from . import patch
from .blueprint import bp
from .context import with_organization
from .errors import ScimError, scim_response
from .filter_attributes import group_filter_attributes
from .filters import equality_values, to_expression
from .mapping import GROUP_SCHEMA, group_to_scim, members_of
from .outcomes import applying, path_below_base
from .protocol import check_version, list_response, paging, project, read_json, wants_attribute

ACTOR = "okta-scim"


def group_or_404(group_id: str) -> Group:
    group = Group.get_or_none(
        (Group.organization == g.scim_organization) & (Group.scim_id == group_id[:64])
    )
    if group is None:
        raise ScimError(404, f"Group {group_id} not found.")
    g.scim_resource = ("Group", group.scim_id)
    return with_organization(group, g.scim_organization)


def render(group: Group, status: int = 200):
    members = members_of([group.id])[group.id] if wants_attribute("members") else None
    resource = project(group_to_scim(group, g.scim.base_url, members))
    return scim_response(resource, status, {"ETag": resource["meta"]["version"]})


@bp.get("/Groups")
def list_groups():
    start, count = paging()
    query = Group.select().where(Group.organization == g.scim_organization)
    text = (request.args.get("filter") or "").strip()
    if text:
        query = query.where(to_expression(text, group_filter_attributes()))
    total = query.count()
    page = list(query.order_by(Group.id).offset(start - 1).limit(count)) if count else []
    members = members_of([grp.id for grp in page]) if wants_attribute("members") else {}
    resources = [project(group_to_scim(grp, g.scim.base_url, members.get(grp.id))) for grp in page]
    return scim_response(list_response(resources, total, start))


@bp.post("/Groups")
def create_group():
    body = _fields(read_json())  # read and checked before the write lock
    name = _text(body.get("displayname"), "displayName")
    external_id = _text(body.get("externalid"), "externalId") or None
    refs = _refs(body.get("members")) if "members" in body else None
    with applying("group_create", {"user_name": name}):
        group, _linked = directory.create_or_link_group(
            g.scim_organization,
            name,
            external_id=external_id,
            managed_by=Source.SCIM,
            actor_label=ACTOR,
        )
        if refs is not None:
            _replace(group, refs)
    g.scim_resource = ("Group", group.scim_id)
    response = render(group, 201)
    response.headers["Location"] = f"{g.scim.base_url}/Groups/{group.scim_id}"
    return response


@bp.get("/Groups/<group_id>")
def get_group(group_id):
    return render(group_or_404(group_id))


@bp.put("/Groups/<group_id>")
def replace_group(group_id):
    body = _fields(read_json())  # read and checked before the write lock
    name = _text(body.get("displayname"), "displayName")
    external_id = _text(body.get("externalid"), "externalId")
    refs = _refs(body.get("members"))  # PUT: the full list, empty included
    with applying("group_update") as attempt:
        group = group_or_404(group_id)  # as it is once this request holds the write lock
        check_version(group)
        attempt.who = {"user_name": group.display_name}
        directory.rename_group(group, name, actor_label=ACTOR)
        if "externalid" in body:
            directory.set_external_id(group, external_id)
        _replace(group, refs)
    return render(group)


@bp.patch("/Groups/<group_id>")
def patch_group(group_id):
    # Every operation is read and checked before the write lock; inside it they only apply.
    changes = [
        change
        for kind, path, value in patch.operations(read_json())
        for change in _group_changes(kind, path, value)
    ]
    with applying("group_update") as attempt:
        group = group_or_404(group_id)
        check_version(group)
        attempt.who = {"user_name": group.display_name}
        for change in changes:
            change(group)
    return render(group)


@bp.delete("/Groups/<group_id>")
def delete_group(group_id):
    with applying("group_delete") as attempt:
        group = group_or_404(group_id)
        check_version(group)
        attempt.who = {"user_name": group.display_name}
        directory.delete_group(group, actor_label=ACTOR)
    return scim_response(None, 204)


Change = Callable[[Group], object]


def _group_changes(kind: str, path: str | None, value) -> list[Change]:
    """What one operation does to a group, its values already read and checked."""
    if path is None:
        return _pathless_changes(kind, value)
    attr, element_filter, _, sub = patch.value_path(_without_schema(path), path)
    if attr.lower() == "members" and element_filter is not None:
        refs = [(ref, None) for ref in _filtered_members(kind, element_filter, sub)]
        return [_members("remove", refs)]
    lowered = attr.lower() if element_filter is None and sub is None else ""
    if lowered == "members":
        return [_members(kind, _refs(value) if kind != "remove" or value is not None else None)]
    if lowered == "displayname":
        if kind == "remove":
            raise ScimError(400, "displayName is required and cannot be removed.", "mutability")
        return [_rename(_text(value, "displayName"))]
    if lowered == "externalid":
        return [_external_id(None if kind == "remove" else _text(value, "externalId"))]
    if lowered in ("id", "meta", "schemas"):
        return []  # read-only, ignored
    raise ScimError(
        400,
        f"Groups support displayName, externalId and members, not {path[:200]!r}.",
        "invalidPath",
    )


def _without_schema(path: str) -> str:
    """The path without a leading Group schema URN (RFC 7644 §3.10 fully qualified)."""
    if path.lower().startswith(GROUP_SCHEMA.lower() + ":"):
        return path[len(GROUP_SCHEMA) + 1 :]
    return path


def _pathless_changes(kind: str, value) -> list[Change]:
    """The replace Okta echoes after every membership change carries id and
    displayName: it renames at most, and touches membership only if it names them."""
    if not isinstance(value, dict):
        raise ScimError(400, "A PATCH without a path needs an object value.", "invalidValue")
    fields = _fields(value)
    changes = []
    if "displayname" in fields:
        changes.append(_rename(_text(fields["displayname"], "displayName")))
    if "externalid" in fields:
        changes.append(_external_id(_text(fields["externalid"], "externalId")))
    if "members" in fields:
        changes.append(_members(kind, _refs(fields["members"])))
    return changes


def _filtered_members(kind: str, element_filter, sub: str | None) -> list[str]:
    """The member ids of Okta's ``members[value eq "<id>"]`` (RFC 7644 §3.5.2.2), read
    with the filter parser, so spacing, case and ``or`` read as the RFC allows. Any other
    filter is refused whole: removing a guess would take someone's access."""
    if kind != "remove":
        raise ScimError(400, "Only remove is supported on members[value eq ...].", "invalidPath")
    ids = equality_values(element_filter, "value") if sub is None else None
    if ids is None:
        raise ScimError(
            400,
            'A member filter must be members[value eq "<id>"] (several joined by or).',
            "invalidPath",
        )
    return ids


def _rename(name: str) -> Change:
    return lambda group: directory.rename_group(group, name, actor_label=ACTOR)


def _external_id(external_id: str | None) -> Change:
    return lambda group: directory.set_external_id(group, external_id)


def _members(kind: str, refs: list[tuple[str, str | None]] | None) -> Change:
    return lambda group: _members_op(group, kind, refs)


def _members_op(group: Group, kind: str, refs: list[tuple[str, str | None]] | None) -> None:
    if kind == "remove" and refs is None:
        directory.replace_members(group, [], managed_by=Source.SCIM, actor_label=ACTOR)
        return
    ids = _resolve(refs or [])
    if kind == "add":
        directory.add_members(group, ids, managed_by=Source.SCIM, actor_label=ACTOR)
    elif kind == "remove":
        directory.remove_members(group, ids, actor_label=ACTOR)
    else:
        _replace_ids(group, ids)


def _replace(group: Group, refs: list[tuple[str, str | None]]) -> None:
    _replace_ids(group, _resolve(refs))


def _replace_ids(group: Group, ids: list[int]) -> None:
    directory.replace_members(group, ids, managed_by=Source.SCIM, actor_label=ACTOR)


def _resolve(refs: list[tuple[str, str | None]]) -> list[int]:
    """Our member ids for the refs; unknown ones are recorded and skipped."""
    found, unknown = directory.members_for_refs(g.scim_organization, [ref for ref, _ in refs])
    if unknown:
        displays = dict(refs)
        failures.record_unknown_members(
            g.scim_organization,
            [(ref, displays.get(ref) or "") for ref in unknown],
            group_path=path_below_base(),
        )
    return list(found.values())


def _refs(value) -> list[tuple[str, str | None]]:
    """Member references as (id, display): objects with ``value`` (no ``type`` needed,
    ``display`` may be null), or plain id strings."""
    if value is None:
        return []
    if isinstance(value, dict | str):
        value = [value]
    if not isinstance(value, list):
        raise ScimError(400, "members must be a list.", "invalidValue")
    refs = []
    for item in value:
        if isinstance(item, str):
            refs.append((item, None))
        elif isinstance(item, dict):
            fields = _fields(item)
            ref = fields.get("value")
            if not isinstance(ref, str) or not ref:
                raise ScimError(400, "Each member needs a value (the user's id).", "invalidValue")
            display = fields.get("display")
            refs.append((ref, display if isinstance(display, str) else None))
        else:
            raise ScimError(400, "members must be a list of objects.", "invalidValue")
    return refs


def _fields(body: dict) -> dict:
    return {str(k).lower(): v for k, v in body.items()}


def _text(value, attribute: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ScimError(400, f"{attribute} must be a string.", "invalidValue")
    return value
