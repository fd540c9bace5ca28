"""The data model, one module per area (``base``, ``organization``, ``connection``,
``scim``, ``sign_in``, ``links``, ``sync``), all importable from here (``from
wizard.models import Member``). All times are naive UTC (``utcnow()``); each
organization keeps its own time zone for display and schedules.

Case-insensitive uniqueness (emails, userNames, group names) is kept in ``*_key``
columns holding the casefolded value, with unique indexes that work the same on
SQLite and PostgreSQL.
"""

from .base import BaseModel, JSONField, fold, new_scim_id, utcnow
from .connection import (
    CONNECTION_PARTS,
    ApiAuth,
    ConnectionPart,
    OktaApiConnection,
    OktaConnection,
    ScimAuth,
    ScimHealth,
    SignInPolicy,
    SsoConfiguration,
    SsoState,
    SyncLease,
    SyncSettings,
    TrustedHost,
)
from .links import PasswordSetLink, SetupLink
from .organization import (
    AuditEvent,
    DetailMapping,
    Group,
    Member,
    Membership,
    Organization,
    RoleAssignment,
    RoleMapping,
    Site,
)
from .scim import FailedMigration, ScimEvent, ScimToken
from .sign_in import EmailDomain, MemberIdentity, SessionRecord, SignInState
from .sync import OktaGroupSnapshot, SyncRun

# The tables by area, for whoever needs them listed (tests, the migration checks).
CORE_MODELS = [Organization, Site, Member, Group, Membership, RoleAssignment, AuditEvent]
SCIM_MODELS = [OktaConnection, *CONNECTION_PARTS, ScimToken, ScimEvent, FailedMigration]
SYNC_MODELS = [SyncRun, OktaGroupSnapshot]
MAPPING_MODELS = [RoleMapping, DetailMapping]
SUPPORT_MODELS = [PasswordSetLink, SetupLink]
TRUST_MODELS = [EmailDomain, SsoConfiguration, MemberIdentity, TrustedHost]
SESSION_MODELS = [SessionRecord, SignInState]

__all__ = [
    "CONNECTION_PARTS",
    "CORE_MODELS",
    "MAPPING_MODELS",
    "SCIM_MODELS",
    "SESSION_MODELS",
    "SUPPORT_MODELS",
    "SYNC_MODELS",
    "TRUST_MODELS",
    "ApiAuth",
    "AuditEvent",
    "BaseModel",
    "ConnectionPart",
    "DetailMapping",
    "EmailDomain",
    "FailedMigration",
    "Group",
    "JSONField",
    "Member",
    "MemberIdentity",
    "Membership",
    "OktaApiConnection",
    "OktaConnection",
    "OktaGroupSnapshot",
    "Organization",
    "PasswordSetLink",
    "RoleAssignment",
    "RoleMapping",
    "ScimAuth",
    "ScimEvent",
    "ScimHealth",
    "ScimToken",
    "SessionRecord",
    "SetupLink",
    "SignInPolicy",
    "SignInState",
    "Site",
    "SsoConfiguration",
    "SsoState",
    "SyncLease",
    "SyncRun",
    "SyncSettings",
    "TrustedHost",
    "fold",
    "new_scim_id",
    "utcnow",
]
