"""Our support staff's area: every organization, and what only staff may change."""

from .views import bp

__all__ = ["bp"]
