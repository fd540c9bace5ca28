"""Team > Users and Groups: what Okta (or anyone) put in the directory, and the changes
an admin makes by hand on one member's page."""

from . import member_page  # noqa: F401 (registers the member page's views on bp)
from .views import bp

__all__ = ["bp"]
