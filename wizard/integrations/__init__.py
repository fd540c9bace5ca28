"""Integrations > Okta: the home of the connection from the first saved setting, one
URL prefix (/integrations) and one blueprint, a module per part. The guided Connect
Okta wizard (wizard/connect/) is the first-time path and edits the same settings."""

from . import (
    api_views,
    disconnect_views,
    domain_views,
    mapping_views,
    overview_views,
    setup_link_views,
    sign_in_views,
    sync_views,
    trusted_host_views,
)
from .blueprint import bp

__all__ = [
    "api_views",
    "bp",
    "disconnect_views",
    "domain_views",
    "mapping_views",
    "overview_views",
    "setup_link_views",
    "sign_in_views",
    "sync_views",
    "trusted_host_views",
]
