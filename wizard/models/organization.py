"""An organization and its directory: sites, members, groups and memberships, role
grants with the role and detail mappings behind them, and the audit trail."""

import peewee as pw
from flask_login import UserMixin

from ..domain.roles import OrgRole
from ..domain.sources import GrantSource, Source
from .base import BaseModel, JSONField, fold, new_scim_id, utcnow


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
    managed_by = pw.CharField(max_length=10, default=Source.LOCAL)
    keep_local = pw.BooleanField(default=False)
    active = pw.BooleanField(default=True)
    password_hash = pw.CharField(max_length=255, null=True)
    role = pw.CharField(max_length=20, default="")  # effective organization role
    session_version = pw.IntegerField(default=1)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    deactivated_at = pw.DateTimeField(null=True)
    last_login_at = pw.DateTimeField(null=True)
    # An EnterpriseAdmin allowed the next verified Okta sign-in to link this local
    # password account (wizard/sso/identities.py consumes it).
    okta_link_allowed_at = pw.DateTimeField(null=True)
    scim_id = pw.CharField(max_length=36, unique=True, default=new_scim_id)
    scim_hidden = pw.BooleanField(default=False)  # SCIM DELETE: kept, hidden from SCIM
    manager_id = pw.CharField(max_length=254, default="")  # enterprise extension manager.value
    field_sources = JSONField(default=dict)  # profile field -> who set it last (scim, sync, ...)
    version = pw.IntegerField(default=1)  # bumped on every change; meta.version / ETag

    class Meta:
        # save() writes the changed columns only: smaller statements on the SCIM hot path,
        # and a concurrent writer's untouched columns are never written back stale.
        only_save_dirty = True
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
    def user_name_differs_from_email(self) -> bool:
        """Okta sent an email-shaped userName that is not the email (seed 003 asks that
        the two stay identical): accepted, but worth a warning."""
        user_name = fold(self.user_name)
        return "@" in user_name and user_name != self.email_key

    @property
    def full_name(self) -> str:
        return self.display_name or " ".join(p for p in (self.given_name, self.family_name) if p)


class Group(BaseModel):
    organization = pw.ForeignKeyField(Organization, backref="groups", on_delete="CASCADE")
    display_name = pw.CharField(max_length=255)
    name_key = pw.CharField(max_length=255)
    external_id = pw.CharField(max_length=254, null=True)
    okta_id = pw.CharField(max_length=64, null=True)
    managed_by = pw.CharField(max_length=10, default=Source.LOCAL)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    scim_id = pw.CharField(max_length=36, unique=True, default=new_scim_id)
    version = pw.IntegerField(default=1)

    class Meta:
        only_save_dirty = True
        indexes = (
            (("organization", "name_key"), True),
            (("organization", "okta_id"), False),
        )


class Membership(BaseModel):
    group = pw.ForeignKeyField(Group, backref="memberships", on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, backref="memberships", on_delete="CASCADE")
    managed_by = pw.CharField(max_length=10, default=Source.LOCAL)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("group", "member"), True),)


class RoleMapping(BaseModel):
    """Seed 000's role mapping: members of an Okta group get an organization role (admin
    access or a member login) and site roles, per site or on all websites.

    When Okta deletes the group the mapping is kept *detached* (no group; the group's
    name and ids kept to recognise it) and grants nothing until the same Okta group
    arrives again (wizard/directory/kept_mappings.py). A group deleted any other way
    still cascades: losing a mapping is safer than keeping its grants."""

    organization = pw.ForeignKeyField(Organization, on_delete="CASCADE")
    group = pw.ForeignKeyField(
        Group, backref="role_mappings", unique=True, null=True, on_delete="CASCADE"
    )
    org_role = pw.CharField(max_length=20, default="User")  # Admin | User
    site_roles = JSONField(default=dict)  # {"all": [...], "<site id>": [...]}
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    detached_name = pw.CharField(max_length=255, default="")
    detached_okta_id = pw.CharField(max_length=64, null=True)
    detached_external_id = pw.CharField(max_length=254, null=True)
    detached_at = pw.DateTimeField(null=True)

    @property
    def group_name(self) -> str:
        return self.group.display_name if self.group_id else self.detached_name


class RoleAssignment(BaseModel):
    """One grant: an organization role (no site, ``all_sites`` off), a site role on one
    site, or a site role on every site (``all_sites``). ``source`` says why it exists."""

    member = pw.ForeignKeyField(Member, backref="role_assignments", on_delete="CASCADE")
    site = pw.ForeignKeyField(Site, null=True, on_delete="CASCADE")
    all_sites = pw.BooleanField(default=False)
    role = pw.CharField(max_length=20)
    source = pw.CharField(max_length=20, default=GrantSource.MANUAL)
    managed_by = pw.CharField(max_length=10, default=Source.LOCAL)
    created_at = pw.DateTimeField(default=utcnow)
    mapping = pw.ForeignKeyField(RoleMapping, null=True, on_delete="CASCADE")

    class Meta:
        indexes = ((("member", "site"), False),)


class DetailMapping(BaseModel):
    """Seed 000's user detail mapping: a member field filled from an Okta profile
    property by the sync."""

    organization = pw.ForeignKeyField(Organization, on_delete="CASCADE")
    field = pw.CharField(max_length=20)  # title | department | mobile_phone | work_phone | photo
    okta_property = pw.CharField(max_length=100)
    image_format = pw.CharField(max_length=10, default="")  # photo only: jpeg | png | webp

    class Meta:
        indexes = ((("organization", "field"), True),)


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
