"""The organization's home: dashboard and settings (name, time zone, sites)."""

from .views import bp

__all__ = ["bp"]
