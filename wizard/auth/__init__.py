"""Signing in and out, the account page, and the guards every page uses."""

from .views import bp

__all__ = ["bp"]
