"""Why the directory refused a change, with everything each reason means beside it: the
inbox label and description, and the SCIM answer every door gives (RFC 7644 §3.12 status
and ``scimType``). A new reason is one line here; templates see ``FailureReason``."""

from enum import StrEnum


class FailureReason(StrEnum):
    """A ``DirectoryError``'s reason and a failed migration's ``reason``. The recorded ones
    land in the failed-migrations inbox; the others are answered to the caller only."""

    # value, inbox label, description, SCIM status, scimType, recorded
    DUPLICATE_EMAIL = (
        "duplicate_email", "Duplicate email",
        "Another member already uses this email address.", 409, "uniqueness",
    )  # fmt: skip
    LICENSE_LIMIT = (
        "license_limit", "License limit", "The organization has no free seat.", 403, None,
    )  # fmt: skip
    INVALID_DATA = (
        "invalid_data", "Invalid data", "Okta sent data we cannot accept.", 400, "invalidValue",
    )  # fmt: skip
    UNKNOWN_MEMBER = (
        # Never an error answer: a group push skips the member (Okta stops a push on errors).
        "unknown_member", "Unknown member",
        "A pushed group named a member we never received.", 200, None,
    )  # fmt: skip
    LOCAL_MEMBER_PROTECTED = (
        "local_member_protected", "Local member protected",
        "The member is kept local and Okta may not change it.", 409, "mutability",
    )  # fmt: skip
    ENTERPRISE_DISABLED = (
        "enterprise_disabled", "Enterprise feature off",
        "The organization does not have the enterprise feature.", 403, None,
    )  # fmt: skip
    CONNECTION_ERROR = (
        # The sync's failed runs; nothing in SCIM answers it.
        "connection_error", "Connection error", "We could not reach Okta.", 502, None,
    )  # fmt: skip
    CONFLICT = (
        # A plain uniqueness clash ("already exists"): the caller is told, nothing is kept.
        "conflict", "Conflict", "The change clashes with an existing value.", 409, "uniqueness",
        False,
    )  # fmt: skip

    def __new__(cls, value, label, description, status, scim_type, recorded=True):
        reason = str.__new__(cls, value)
        reason._value_ = value
        reason.label, reason.description = label, description
        reason.status, reason.scim_type, reason.recorded = status, scim_type, recorded
        return reason

    @classmethod
    def in_inbox(cls) -> list["FailureReason"]:
        """The reasons a failed migration can have: the inbox's filter offers each."""
        return [reason for reason in cls if reason.recorded]
