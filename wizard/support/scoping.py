"""Who sees which organization's records: an admin their own, staff any (read-only but
for the support actions), every staff view audited by the caller."""

from flask import request
from flask_login import current_user

from ..models import Organization


def scope() -> Organization | None:
    """Admins see their organization; staff see all, or the one named by ``?org=``."""
    if not current_user.is_staff:
        return current_user.organization
    slug = request.args.get("org", "")
    return Organization.get_or_none(Organization.slug == slug) if slug else None
