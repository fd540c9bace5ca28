"""Team > Users and Groups: what Okta (or anyone) put in the directory."""

from .views import bp

__all__ = ["bp"]
