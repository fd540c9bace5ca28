"""Who sees which organization's records: an admin their own, staff any (read-only but
for the support actions), every staff view audited by the caller."""

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from ..models import Organization
from ..roles import OrgRole


def admin_or_staff(view):
    @wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not (current_user.is_staff or current_user.org_role >= OrgRole.ADMIN):
            abort(403)
        return view(*args, **kwargs)

    return guarded


def scope() -> Organization | None:
    """Admins see their organization; staff see all, or the one named by ``?org=``."""
    if not current_user.is_staff:
        return current_user.organization
    slug = request.args.get("org", "")
    return Organization.get_or_none(Organization.slug == slug) if slug else None
