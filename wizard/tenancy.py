"""Which organization a request acts for, and loading its rows: the one scoped
load-or-404 every view uses. Another organization's id is simply not found (404, never
403), so an id tells an outsider nothing about what exists."""

import peewee as pw
from flask import abort, g, request
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from .models import Organization


def acting_organization() -> Organization | None:
    """The setup link's organization for its holder, else the signed-in member's (staff
    have none)."""
    link = g.get("setup_link")
    if link is not None:
        return link.organization
    return current_user.organization if current_user.is_authenticated else None


def viewed_organization() -> Organization | None:
    """Whose records a page that staff share shows: an admin their own organization's;
    staff every organization's (None), or the one named by ``?org=``."""
    if not current_user.is_staff:
        return current_user.organization
    slug = request.args.get("org", "")
    return Organization.get_or_none(Organization.slug == slug) if slug else None


def own(source, *where, staff: bool = False):
    """The row of ``source`` (a model, or a query over one) matching ``where`` that
    belongs to the acting organization, else 404.

    ``staff=True`` is for views whose action staff may take too (``Rule.staff``): staff
    find any organization's row there, and those views audit what staff saw."""
    query = source if isinstance(source, pw.SelectQuery) else source.select()
    if not (staff and current_user.is_authenticated and current_user.is_staff):
        organization = acting_organization()
        if organization is None:
            # Never filter on "organization IS NULL": staff would find the rows that
            # belong to nobody (audit events of failed sign-ins, say).
            abort(404)
        query = query.where(query.model.organization == organization)
    return get_object_or_404(query, *where)
