"""Who manages a record and why a role grant exists: the one vocabulary that writers,
queries and templates share (templates see ``Source`` and ``GrantSource`` as globals),
so one source never silently overwrites another's work (ARCHITECTURE.md, "Tenancy and
identity")."""

from enum import StrEnum


class Source(StrEnum):
    """What manages a member, group, membership or grant (their ``managed_by``), and the
    door a failed migration came through (``FailedMigration.source``: SCIM or SYNC)."""

    LOCAL = "local"  # made here: owners, the demo, members converted back from Okta
    SCIM = "scim"  # pushed by Okta's provisioning (SCIM 2.0)
    SYNC = "sync"  # pulled from Okta's API by the scheduled sync
    JIT = "jit"  # made at a first Okta sign-in (just in time)

    @property
    def label(self) -> str:
        return {
            Source.LOCAL: "Local",
            Source.SCIM: "Okta (SCIM)",
            Source.SYNC: "Okta (sync)",
            Source.JIT: "Okta (sign-in)",
        }[self]


# Okta manages these members: disconnecting converts them to local or deactivates them.
OKTA_SOURCES = frozenset({Source.SCIM, Source.SYNC, Source.JIT})
# The pull sync writes over these members, never over SCIM's: while SCIM is live it is
# the provisioning source, and the sync only reports drift.
SYNC_WRITES_OVER = frozenset({Source.SYNC, Source.LOCAL, Source.JIT})


class GrantSource(StrEnum):
    """Why a role grant exists (``RoleAssignment.source``)."""

    MANUAL = "manual"  # given by an admin, or made with an owner's account
    SCIM = "scim"  # Okta's role attribute (our SCIM extension)
    MAPPING = "mapping"  # a role mapping of one of the member's Okta groups
    JIT = "jit"  # the organization's just-in-time role, at a first sign-in

    @property
    def label(self) -> str:
        return {
            GrantSource.MANUAL: "Given by an admin",
            GrantSource.SCIM: "Okta role attribute (SCIM)",
            GrantSource.MAPPING: "Role mapping",
            GrantSource.JIT: "Just-in-time role (first Okta sign-in)",
        }[self]
