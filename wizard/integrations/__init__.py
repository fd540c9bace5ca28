"""Integrations > Okta: the home of the connection from the first saved setting, one
URL prefix (/integrations) and one blueprint, a module per part. The guided Connect
Okta wizard (wizard/connect/) is the first-time path and edits the same settings."""

from . import (
    api_views,
    connector_views,
    detail_mapping_views,
    disconnect_views,
    domain_views,
    failed_migration_views,
    mapping_views,
    overview_views,
    scim_log_views,
    scim_views,
    setup_link_views,
    sign_in_views,
    sso_views,
    sync_views,
    trusted_host_views,
)
from .blueprint import bp

__all__ = [
    "api_views",
    "bp",
    "connector_views",
    "detail_mapping_views",
    "disconnect_views",
    "domain_views",
    "failed_migration_views",
    "mapping_views",
    "overview_views",
    "scim_log_views",
    "scim_views",
    "setup_link_views",
    "sign_in_views",
    "sso_views",
    "sync_views",
    "trusted_host_views",
]
