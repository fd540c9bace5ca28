"""The data model. All times are naive UTC (``utcnow()``); each organization keeps its
own time zone for display and schedules.

Case-insensitive uniqueness (emails, userNames, group names) is kept in ``*_key``
columns holding the casefolded value, with unique indexes that work the same on
SQLite and PostgreSQL.
"""

import json
from datetime import UTC, datetime

import peewee as pw
from flask_login import UserMixin

from .db import database
from .roles import OrgRole

MANAGED_BY = ("local", "scim", "sync", "jit")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def fold(value: str | None) -> str:
    """The key used for case-insensitive comparisons (emails, userNames, names)."""
    return (value or "").strip().casefold()


class JSONField(pw.TextField):
    """JSON kept as text, so SQLite and PostgreSQL store it alike."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Organization(BaseModel):
    name = pw.CharField(max_length=120)
    slug = pw.CharField(max_length=40, unique=True)
    timezone = pw.CharField(max_length=64, default="UTC")
    seat_limit = pw.IntegerField(null=True)  # None: unlimited
    enterprise_enabled = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


class Site(BaseModel):
    organization = pw.ForeignKeyField(Organization, backref="sites", on_delete="CASCADE")
    name = pw.CharField(max_length=120)
    name_key = pw.CharField(max_length=120)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "name_key"), True),)


class Member(UserMixin, BaseModel):
    """Everyone who can sign in: an organization's members and our own staff.

    Staff have ``is_staff`` set and no organization. ``managed_by`` says which source
    owns the record so one source never silently overwrites another's work.
    """

    organization = pw.ForeignKeyField(
        Organization, backref="members", null=True, on_delete="CASCADE"
    )
    is_staff = pw.BooleanField(default=False)
    email = pw.CharField(max_length=254)
    email_key = pw.CharField(max_length=254)
    user_name = pw.CharField(max_length=254, null=True)
    user_name_key = pw.CharField(max_length=254, null=True)
    given_name = pw.CharField(max_length=120, default="")
    family_name = pw.CharField(max_length=120, default="")
    display_name = pw.CharField(max_length=240, default="")
    title = pw.CharField(max_length=200, default="")
    department = pw.CharField(max_length=200, default="")
    phone_numbers = JSONField(default=list)
    photo_url = pw.CharField(max_length=2000, default="")
    employee_number = pw.CharField(max_length=120, default="")
    external_id = pw.CharField(max_length=254, null=True)
    okta_id = pw.CharField(max_length=64, null=True)
    source = pw.CharField(max_length=10, default="local")  # local | okta
    managed_by = pw.CharField(max_length=10, default="local")
    keep_local = pw.BooleanField(default=False)
    active = pw.BooleanField(default=True)
    password_hash = pw.CharField(max_length=255, null=True)
    role = pw.CharField(max_length=20, default="")  # effective organization role
    session_version = pw.IntegerField(default=1)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    deactivated_at = pw.DateTimeField(null=True)
    last_login_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = (
            (("organization", "email_key"), True),
            (("organization", "user_name_key"), True),
            (("organization", "okta_id"), False),
            (("organization", "created_at"), False),
        )

    def get_id(self) -> str:
        # The session version travels in the cookie: bumping it ends every session.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def org_role(self) -> OrgRole:
        return OrgRole.parse(self.role)

    @property
    def full_name(self) -> str:
        return self.display_name or " ".join(p for p in (self.given_name, self.family_name) if p)


class Group(BaseModel):
    organization = pw.ForeignKeyField(Organization, backref="groups", on_delete="CASCADE")
    display_name = pw.CharField(max_length=255)
    name_key = pw.CharField(max_length=255)
    external_id = pw.CharField(max_length=254, null=True)
    okta_id = pw.CharField(max_length=64, null=True)
    managed_by = pw.CharField(max_length=10, default="local")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("organization", "name_key"), True),
            (("organization", "okta_id"), False),
        )


class Membership(BaseModel):
    group = pw.ForeignKeyField(Group, backref="memberships", on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, backref="memberships", on_delete="CASCADE")
    managed_by = pw.CharField(max_length=10, default="local")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("group", "member"), True),)


class RoleAssignment(BaseModel):
    """One grant: an organization role (no site, ``all_sites`` off), a site role on one
    site, or a site role on every site (``all_sites``). ``source`` says why it exists."""

    member = pw.ForeignKeyField(Member, backref="role_assignments", on_delete="CASCADE")
    site = pw.ForeignKeyField(Site, null=True, on_delete="CASCADE")
    all_sites = pw.BooleanField(default=False)
    role = pw.CharField(max_length=20)
    source = pw.CharField(max_length=20, default="manual")  # manual | scim | mapping
    managed_by = pw.CharField(max_length=10, default="local")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("member", "site"), False),)


class AuditEvent(BaseModel):
    organization = pw.ForeignKeyField(Organization, null=True, on_delete="CASCADE")
    actor = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")
    actor_label = pw.CharField(max_length=120)  # survives the actor's removal; "okta-scim"
    action = pw.CharField(max_length=80)
    target_type = pw.CharField(max_length=40, default="")
    target_id = pw.CharField(max_length=64, default="")
    details = JSONField(default=dict)
    ip = pw.CharField(max_length=64, default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("organization", "created_at"), False),)


CORE_MODELS = [Organization, Site, Member, Group, Membership, RoleAssignment, AuditEvent]
