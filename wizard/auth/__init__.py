"""Signing in and out, the account page, and the guards every page uses."""

from . import first_password  # noqa: F401 (registers its view on bp)
from .views import bp

__all__ = ["bp"]
