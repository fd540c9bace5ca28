"""Page guards: a minimum organization role, or staff."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..roles import OrgRole


def role_required(minimum: OrgRole):
    """Signed-in organization members with at least ``minimum``; everybody else gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if current_user.is_staff or current_user.org_role < minimum:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator


def staff_required(view):
    @wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return guarded
