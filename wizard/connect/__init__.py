"""The Connect Okta wizard (seed 002's flow, with parts of seeds 000, 001 and 004): one
URL, one view and one template per step. The guided setup itself is ``views`` (its frame),
``step_views`` (the steps) and ``setup_link_views``. Integrations > Okta, the home of the
connection once anything is saved, is wizard/integrations/."""

from . import admin_views, setup_link_views, step_views
from .views import bp

__all__ = ["admin_views", "bp", "setup_link_views", "step_views"]
