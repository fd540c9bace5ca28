"""The staff-only guard. Everything an organization member does is guarded by the
permission table instead (``permissions.requires``)."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def staff_required(view):
    """Our support people only (they have no organization role)."""

    @wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    guarded.staff_only = True
    return guarded
