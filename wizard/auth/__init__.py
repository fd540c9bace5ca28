"""Signing in and out (password, and Okta under ``/login/okta/<slug>``), the account
page, and the guards every page uses: every ``/``, ``/login``, ``/logout`` and
``/account`` URL is served here, on one blueprint."""

from . import first_password, okta_views  # noqa: F401 (they register their views on bp)
from .views import bp

__all__ = ["bp"]
