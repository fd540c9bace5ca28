"""The Connect Okta wizard and the Integrations pages (seed 002's flow, with parts of
seeds 000, 001 and 004): one URL, one view and one template per step. The guided setup
itself is ``views`` (its frame), ``step_views`` (the steps) and ``setup_link_views``."""

from . import admin_views, domain_views, setup_link_views, step_views, trusted_host_views
from .views import bp

__all__ = [
    "admin_views",
    "bp",
    "domain_views",
    "setup_link_views",
    "step_views",
    "trusted_host_views",
]
