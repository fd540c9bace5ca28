"""Team, every ``/team/...`` URL on one blueprint: Users and Groups (what Okta, or anyone,
put in the directory), the staff directory, one member's page and what an admin changes
there by hand, and the organization's failed migrations, audit log and member timelines.
The role and detail mapping pages are Integrations pages (wizard/integrations/)."""

from . import member_page, okta_link_views, records_views  # noqa: F401 (views on bp)
from .views import bp

__all__ = ["bp"]
