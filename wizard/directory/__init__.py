"""The directory rules every writer shares: the SCIM routes, the pull sync, admin pages
and just-in-time sign-in all create, update and deactivate members and groups here, and
only here change who manages a member, memberships and role grants (``grants``); a test
(tests/test_directory_writers.py) fails on any other module that writes them.

This is the one place that decides "duplicate email", "license limit reached",
"local member protected" or "enterprise disabled", whichever door a change came
through. Functions take and return models and never touch the request; callers open
the transaction, and on ``DirectoryError`` roll back and record a failed migration.
"""

from . import grants
from .activation import hide_member, set_active, set_active_here
from .bulk import BulkResult, create_members
from .bulk_groups import clean_new_groups, create_groups_with_members
from .groups import (
    add_members,
    create_or_link_group,
    delete_group,
    group_by_name,
    kept_local_members,
    members_for_refs,
    remove_members,
    rename_group,
    replace_members,
    set_external_id,
)
from .handover import convert_to_local, link_to_okta
from .kept_mappings import detached_okta_groups
from .members import create_member, member_by_email, member_by_user_name, update_member
from .profiles import PROFILE_FIELDS, UNSET, differs, parse_role
from .rules import DirectoryError, ensure_seat, require_enterprise, seats_used

__all__ = [
    "PROFILE_FIELDS",
    "UNSET",
    "BulkResult",
    "DirectoryError",
    "add_members",
    "clean_new_groups",
    "convert_to_local",
    "create_groups_with_members",
    "create_member",
    "create_members",
    "create_or_link_group",
    "delete_group",
    "detached_okta_groups",
    "differs",
    "ensure_seat",
    "grants",
    "group_by_name",
    "hide_member",
    "kept_local_members",
    "link_to_okta",
    "member_by_email",
    "member_by_user_name",
    "members_for_refs",
    "parse_role",
    "remove_members",
    "rename_group",
    "replace_members",
    "require_enterprise",
    "seats_used",
    "set_active",
    "set_active_here",
    "set_external_id",
    "update_member",
]
