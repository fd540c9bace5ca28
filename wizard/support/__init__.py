"""Our support staff's area, every ``/support/...`` URL on one blueprint: every
organization, what only staff may change, the failed-migrations inbox and the audit log
across organizations, and the actions on one failed migration (``/failed-migrations/<id>/
...``, posted from Team's inbox too)."""

from . import audit_views, failures_views  # noqa: F401 (they register their views on bp)
from .views import bp

__all__ = ["bp"]
