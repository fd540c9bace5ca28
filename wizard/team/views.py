"""Team pages: read-only views of the directory (changes come from Okta or admins)."""

from flask import Blueprint, render_template, request
from flask_login import current_user
from playhouse.flask_utils import PaginatedQuery

from ..models import Group
from ..permissions import Action, requires
from ..tenancy import own
from . import queries

bp = Blueprint("team", __name__, url_prefix="/team")
PAGE_SIZE = 50


@bp.get("/users")
@requires(Action.VIEW_DIRECTORY)
def users():
    filters = {name: request.args.get(name, "").strip()[:100] for name in ("q", "source", "status")}
    page = queries.member_pages(current_user.organization, filters, None, PAGE_SIZE)
    members = page.get_object_list()
    return render_template(
        "team/users.html",
        members=members,
        groups=queries.groups_by_member([m.id for m in members]),
        page=page,
        filters=filters,
        statuses=queries.STATUSES,
    )


@bp.get("/groups")
@requires(Action.VIEW_DIRECTORY)
def groups():
    search = request.args.get("q", "").strip()[:100]
    page = PaginatedQuery(
        queries.group_query(current_user.organization, search),
        paginate_by=PAGE_SIZE,
        check_bounds=False,
    )
    return render_template("team/groups.html", page=page, search=search)


@bp.get("/groups/<group_id>")
@requires(Action.VIEW_DIRECTORY)
def group(group_id: str):
    found = own(Group, Group.scim_id == group_id)
    page = PaginatedQuery(
        queries.members_of_group(found), paginate_by=PAGE_SIZE, check_bounds=False
    )
    return render_template("team/group.html", group=found, page=page)


@bp.get("/directory")
@requires(Action.VIEW_DIRECTORY)
def directory():
    """The staff directory (seed 000's intranet): members with role User or higher."""
    search = request.args.get("q", "").strip()[:100]
    page = PaginatedQuery(
        queries.directory_query(current_user.organization, search),
        paginate_by=PAGE_SIZE,
        check_bounds=False,
    )
    return render_template("team/directory.html", page=page, search=search)
