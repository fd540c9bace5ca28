"""The Connect Okta wizard (seed 002's flow, with parts of seeds 000, 001 and 004): one
URL, one view and one template per step. Integrations > Okta, the home of the connection
once anything is saved, is wizard/integrations/."""

from . import admin_views
from .views import bp

__all__ = ["admin_views", "bp"]
