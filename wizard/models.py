"""The data model. All times are naive UTC (``utcnow()``); each organization keeps its
own time zone for display and schedules.

Case-insensitive uniqueness (emails, userNames, group names) is kept in ``*_key``
columns holding the casefolded value, with unique indexes that work the same on
SQLite and PostgreSQL.
"""

import json
import uuid
from datetime import UTC, datetime
from enum import StrEnum

import peewee as pw
from flask_login import UserMixin

from .db import database
from .domain.roles import OrgRole
from .domain.sources import GrantSource, Source


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_scim_id() -> str:
    """A resource id for SCIM: random, stable, never reused (RFC 7643 §3.1)."""
    return str(uuid.uuid4())


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

    # Not indexed alone: every index of the member table leads with it (migration 027).
    organization = pw.ForeignKeyField(
        Organization, backref="members", null=True, on_delete="CASCADE", index=False
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
    organization = pw.ForeignKeyField(
        Organization, backref="groups", on_delete="CASCADE", index=False
    )  # served by the (organization, name_key) index (migration 027)
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
    # Served by the (group, member) index (migration 027).
    group = pw.ForeignKeyField(Group, backref="memberships", on_delete="CASCADE", index=False)
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


class ScimAuth(StrEnum):
    """How Okta presents the SCIM token, as the admin chose it: it decides which values the
    page shows to paste into Okta. The server accepts the token each way (scim/blueprint.py)."""

    BEARER = "bearer"  # Okta's "HTTP Header" mode: Authorization: Bearer <token>
    HEADER = "header"  # a custom "Header" integration: Authorization: <token>, as is
    BASIC = "basic"  # Basic Auth: user name = the connection key, password = the token


class OktaConnection(BaseModel):
    """An organization's link to its Okta tenant; ``scim_key`` names its SCIM base URL.

    Only what every part of the link shares lives here. Each concern has its own 1:1
    table, written by the code that owns it and made with the connection (``save``):
    ``scim_health`` (what Okta's SCIM requests did), ``sign_in_policy`` (who must sign
    in through Okta), ``api`` (the Okta management API credentials), ``sync_settings``
    (the pull sync's scope and schedule) and ``SyncLease`` (which scheduler runs it).
    """

    organization = pw.ForeignKeyField(
        Organization, backref="okta_connections", unique=True, on_delete="CASCADE"
    )
    scim_key = pw.CharField(max_length=32, unique=True)
    scim_auth = pw.CharField(max_length=10, default=ScimAuth.BEARER.value)
    status = pw.CharField(max_length=12, default="setup")  # setup | active | disconnected
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    # The wizard: steps done and the admin's ticks, so a half-done setup resumes.
    wizard_state = JSONField(default=dict)
    activated_at = pw.DateTimeField(null=True)

    def save(self, *args, **kwargs):
        """Save the connection with the parts it has loaded (their changed columns only:
        a part read for display never writes back a value another request changed);
        a new connection gets one row of each part."""
        creating = self._pk is None or kwargs.get("force_insert", False)
        with self._meta.database.atomic():
            saved = super().save(*args, **kwargs)
            if creating:
                for model in CONNECTION_PARTS:
                    self.__dict__[model.cache_key()] = model.create(connection=self)
            else:
                for model in CONNECTION_PARTS:
                    part = self.__dict__.get(model.cache_key())
                    if part is not None and part.id is not None:
                        part.save()
        return saved

    @property
    def scim_health(self) -> "ScimHealth":
        return self._part(ScimHealth)

    @property
    def sign_in_policy(self) -> "SignInPolicy":
        return self._part(SignInPolicy)

    @property
    def api(self) -> "OktaApiConnection":
        return self._part(OktaApiConnection)

    @property
    def sync_settings(self) -> "SyncSettings":
        return self._part(SyncSettings)

    def _part(self, model):
        """The connection's row of ``model``, read once per instance (a query joining it
        may have attached it already, see ``ConnectionPart.cache_key``)."""
        key = model.cache_key()
        part = self.__dict__.get(key)
        if part is None or part.id is None:
            part = self.__dict__[key] = model.for_connection(self)
        return part

    @property
    def live_sso(self) -> "SsoConfiguration | None":
        """The configuration that signs people in (None: Okta sign-in is off)."""
        return self._sso_in(SsoState.LIVE)

    @property
    def pending_sso(self) -> "SsoConfiguration | None":
        """Saved settings waiting for an EnterpriseAdmin's passing test sign-in."""
        return self._sso_in(SsoState.PENDING)

    def _sso_in(self, state: "SsoState") -> "SsoConfiguration | None":
        return (
            SsoConfiguration.select()
            .where((SsoConfiguration.connection == self) & (SsoConfiguration.state == state))
            .order_by(SsoConfiguration.id.desc())
            .first()
        )


class ConnectionPart:
    """A table holding one concern of a connection, one row per connection. Its models
    set ``only_save_dirty``: saving writes the columns changed, nothing else."""

    @classmethod
    def cache_key(cls) -> str:
        """Where a connection instance keeps its row (a join may attach it there)."""
        return f"_{cls._meta.table_name}"

    @classmethod
    def for_connection(cls, connection: OktaConnection):
        """The row; made if missing (a connection inserted without ``save``), so a
        reader never finds none."""
        return cls.get_or_create(connection=connection)[0]


class ScimHealth(ConnectionPart, BaseModel):
    """What Okta's SCIM requests did, for the wizard's live panel and support: written
    from the SCIM request path by single-column UPDATEs, never saved whole."""

    connection = pw.ForeignKeyField(OktaConnection, unique=True, backref="+", on_delete="CASCADE")
    last_request_at = pw.DateTimeField(null=True)  # written at most once a minute
    last_auth_failure_at = pw.DateTimeField(null=True)
    last_auth_failure_ip = pw.CharField(max_length=64, default="")
    # Requests refused by the failed-authentication limit: counted, not each logged.
    throttled_requests = pw.IntegerField(default=0)
    last_throttled_at = pw.DateTimeField(null=True)
    last_throttled_ip = pw.CharField(max_length=64, default="")
    password_push_seen_at = pw.DateTimeField(null=True)  # Okta's Sync Password is on

    class Meta:
        only_save_dirty = True


class SignInPolicy(ConnectionPart, BaseModel):
    """The organization's sign-in rules (wizard/sso/enforcement.py owns them). Issuer,
    client and secret live in SsoConfiguration rows (one live, at most one pending)."""

    connection = pw.ForeignKeyField(OktaConnection, unique=True, backref="+", on_delete="CASCADE")
    sso_enforced = pw.BooleanField(default=False)  # everyone signs in through Okta
    jit_enabled = pw.BooleanField(default=False)  # create members on first SSO sign-in
    jit_role = pw.CharField(max_length=20, default="")  # what JIT members get: "", ReadOnly, User
    break_glass = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")

    class Meta:
        only_save_dirty = True


class ApiAuth(StrEnum):
    """How the connector signs in to Okta's management API (wizard/sync/okta_auth.py)."""

    SERVICE_APP = "service_app"  # an API Services app: private_key_jwt, scoped OAuth tokens
    TOKEN = "token"  # noqa: S105 (a kind, not a secret): an SSWS API token of an admin


class OktaApiConnection(ConnectionPart, BaseModel):
    """How the pull sync (seed 000) reaches Okta's management API: an SSWS API token, or
    an API Services app (OAuth 2.0 for Okta) with our key pair, the private half
    encrypted like the token and the public JWK shown for the admin to paste into Okta."""

    connection = pw.ForeignKeyField(OktaConnection, unique=True, backref="+", on_delete="CASCADE")
    org_url = pw.CharField(max_length=500, default="")
    auth = pw.CharField(max_length=12, default=ApiAuth.TOKEN.value)
    token = pw.TextField(default="")  # encrypted (security.encrypt_secret)
    token_hint = pw.CharField(max_length=8, default="")
    checked_at = pw.DateTimeField(null=True)
    last_check = JSONField(default=dict)  # what the last Test connection found
    last_used_at = pw.DateTimeField(null=True)
    oauth_client_id = pw.CharField(max_length=100, default="")
    oauth_private_key = pw.TextField(default="")  # encrypted
    oauth_public_jwk = pw.TextField(default="")
    oauth_key_id = pw.CharField(max_length=64, default="")  # the JWK thumbprint, its kid
    oauth_key_created_at = pw.DateTimeField(null=True)

    class Meta:
        only_save_dirty = True

    @property
    def connected(self) -> bool:
        """Whether the sync has credentials of the kind the connection uses."""
        if self.auth == ApiAuth.SERVICE_APP:
            return bool(self.oauth_client_id and self.oauth_private_key)
        return bool(self.token)

    @classmethod
    def connected_where(cls):
        """``connected`` as a query condition (the scheduler's due runs)."""
        service_app = (
            (cls.auth == ApiAuth.SERVICE_APP.value)
            & (cls.oauth_client_id != "")
            & (cls.oauth_private_key != "")
        )
        return service_app | ((cls.auth == ApiAuth.TOKEN.value) & (cls.token != ""))


class SyncSettings(ConnectionPart, BaseModel):
    """The pull sync's scope and schedule, set on the Sync page."""

    connection = pw.ForeignKeyField(OktaConnection, unique=True, backref="+", on_delete="CASCADE")
    app_id = pw.CharField(max_length=64, default="")  # whose assignments are in scope
    daily_at = pw.CharField(max_length=5, default="03:00")  # the organization's time zone
    paused_at = pw.DateTimeField(null=True)
    deactivation_limit = pw.IntegerField(default=20)  # percent of synced members per run

    class Meta:
        only_save_dirty = True


class SyncLease(ConnectionPart, BaseModel):
    """One sync per organization at a time: claimed with a conditional UPDATE of this row
    (wizard/sync/runs.py); read and written only by such statements."""

    connection = pw.ForeignKeyField(OktaConnection, unique=True, backref="+", on_delete="CASCADE")
    owner = pw.CharField(max_length=80, default="")
    expires_at = pw.DateTimeField(null=True)

    class Meta:
        only_save_dirty = True


CONNECTION_PARTS = (ScimHealth, SignInPolicy, OktaApiConnection, SyncSettings, SyncLease)


class SsoState(StrEnum):
    PENDING = "pending"  # saved, signs nobody in; its test sign-in may run
    LIVE = "live"  # signs people in; one per connection
    RETIRED = "retired"  # replaced (or disconnected); kept for the record


class SsoConfiguration(BaseModel):
    """One set of OpenID Connect settings of a connection. Saving settings stores a
    pending one; only an EnterpriseAdmin's passing test sign-in (or ``flask sso configure
    --activate``) makes it live, so nobody can repoint sign-in at another provider by
    saving a form. The secret is encrypted (security.encrypt_secret)."""

    connection = pw.ForeignKeyField(
        OktaConnection, backref="sso_configurations", on_delete="CASCADE"
    )
    state = pw.CharField(max_length=10, default=SsoState.PENDING.value)
    issuer = pw.CharField(max_length=500)
    client_id = pw.CharField(max_length=255)
    client_secret = pw.TextField(default="")
    client_secret_hint = pw.CharField(max_length=8, default="")
    created_by = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")
    created_by_label = pw.CharField(max_length=120, default="")
    created_at = pw.DateTimeField(default=utcnow)
    tested_at = pw.DateTimeField(null=True)  # last passing test sign-in
    tested_by_label = pw.CharField(max_length=120, default="")
    activated_at = pw.DateTimeField(null=True)
    activated_by = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")
    activated_by_label = pw.CharField(max_length=120, default="")
    retired_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("connection", "state"), False),)


class MemberIdentity(BaseModel):
    """An Okta account linked to a member: the (issuer, subject) pair of its ID tokens.
    A sign-in finds its member by this pair first; a link is never rewritten by a
    sign-in. Unique per organization, so two of our organizations may share an Okta."""

    member = pw.ForeignKeyField(Member, backref="identities", on_delete="CASCADE")
    organization = pw.ForeignKeyField(Organization, on_delete="CASCADE")
    issuer = pw.CharField(max_length=500)
    subject = pw.CharField(max_length=255)
    linked_by = pw.CharField(max_length=20)  # IdentityLink value (wizard/sso/identities.py)
    created_at = pw.DateTimeField(default=utcnow)
    last_used_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = (
            (("organization", "issuer", "subject"), True),
            (("member", "issuer"), True),
        )


class ScimToken(BaseModel):
    """A bearer token Okta presents; only its SHA-256 digest is kept."""

    connection = pw.ForeignKeyField(OktaConnection, backref="tokens", on_delete="CASCADE")
    prefix = pw.CharField(max_length=16)  # shown to admins to tell tokens apart
    digest = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")
    last_used_at = pw.DateTimeField(null=True)
    last_used_ip = pw.CharField(max_length=64, default="")
    expires_at = pw.DateTimeField(null=True)  # set when a newer token starts its grace period
    revoked_at = pw.DateTimeField(null=True)


class ScimEvent(BaseModel):
    """One SCIM request as we answered it: the wizard's live panel, support's request log
    and each member's timeline read these. Bodies are stored redacted."""

    organization = pw.ForeignKeyField(Organization, null=True, on_delete="CASCADE")
    connection = pw.ForeignKeyField(OktaConnection, null=True, on_delete="CASCADE")
    token = pw.ForeignKeyField(ScimToken, null=True, on_delete="SET NULL")
    method = pw.CharField(max_length=8)
    path = pw.CharField(max_length=500)
    query = pw.CharField(max_length=1000, default="")
    status = pw.IntegerField()
    latency_ms = pw.FloatField(default=0)
    ip = pw.CharField(max_length=64, default="")
    authenticated = pw.BooleanField(default=False)
    error = pw.TextField(default="")
    body = pw.TextField(default="")
    resource_type = pw.CharField(max_length=10, default="")
    resource_id = pw.CharField(max_length=36, default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = (
            (("organization", "created_at"), False),
            (("resource_id",), False),
        )


class FailedMigration(BaseModel):
    """A change from Okta we could not apply. One row per (organization, userName,
    operation, reason): repeats bump ``attempts``; a later success resolves it."""

    organization = pw.ForeignKeyField(Organization, on_delete="CASCADE")
    source = pw.CharField(max_length=10)  # Source.SCIM or Source.SYNC: the door it came by
    operation = pw.CharField(max_length=20)  # create | update | deactivate | group_push ...
    reason = pw.CharField(max_length=30)  # FailureReason
    user_name = pw.CharField(max_length=254, default="")
    user_name_key = pw.CharField(max_length=254, default="")
    email = pw.CharField(max_length=254, default="")
    display_name = pw.CharField(max_length=240, default="")
    message = pw.TextField(default="")
    request = JSONField(null=True)  # method, path and redacted body: enough to replay
    status = pw.CharField(max_length=10, default="open")  # open | resolved | ignored
    member = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")
    related = pw.ForeignKeyField("self", null=True, on_delete="SET NULL")
    first_seen = pw.DateTimeField(default=utcnow)
    last_seen = pw.DateTimeField(default=utcnow)
    attempts = pw.IntegerField(default=1)
    resolved_at = pw.DateTimeField(null=True)
    note = pw.TextField(default="")

    class Meta:
        indexes = (
            (("organization", "user_name_key", "operation", "reason"), True),
            (("organization", "status", "last_seen"), False),
        )


class DetailMapping(BaseModel):
    """Seed 000's user detail mapping: a member field filled from an Okta profile
    property by the sync."""

    organization = pw.ForeignKeyField(Organization, on_delete="CASCADE")
    field = pw.CharField(max_length=20)  # title | department | mobile_phone | work_phone | photo
    okta_property = pw.CharField(max_length=100)
    image_format = pw.CharField(max_length=10, default="")  # photo only: jpeg | png | webp

    class Meta:
        indexes = ((("organization", "field"), True),)


class PasswordSetLink(BaseModel):
    """A one-time link a converted member uses to set a password (no email server needed:
    the admin copies and hands it over). Only the digest is stored."""

    member = pw.ForeignKeyField(Member, on_delete="CASCADE")
    digest = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)


class SetupLink(BaseModel):
    """Lets an organization's IT person without an account do the wizard's Okta steps
    (2-7) and nothing else; time-limited and revocable. Only the digest is stored."""

    organization = pw.ForeignKeyField(Organization, on_delete="CASCADE")
    digest = pw.CharField(max_length=64, unique=True)
    label = pw.CharField(max_length=120, default="")
    created_by = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    revoked_at = pw.DateTimeField(null=True)
    last_used_at = pw.DateTimeField(null=True)
    uses = pw.IntegerField(default=0)


class EmailDomain(BaseModel):
    """An email domain an organization claims. It routes sign-ins to the organization's
    Okta and lets an Okta sign-in match an account by email only once ``status`` is
    ``verified`` (a DNS TXT record with ``token`` proved the claim, wizard/domain/email_domains.py).
    Several organizations may claim a domain; at most one holds it verified (a partial
    unique index on ``domain`` where verified, migration 014)."""

    organization = pw.ForeignKeyField(Organization, backref="email_domains", on_delete="CASCADE")
    domain = pw.CharField(max_length=253)  # lowercased, no trailing dot
    status = pw.CharField(max_length=10, default="pending")  # pending | verified | lapsed
    token = pw.CharField(max_length=64)  # the TXT record's value names it
    method = pw.CharField(max_length=10, default="")  # dns | skip_dns (CLI, audited)
    created_at = pw.DateTimeField(default=utcnow)
    verified_at = pw.DateTimeField(null=True)
    last_checked_at = pw.DateTimeField(null=True)  # the last lookup that got an answer
    last_attempt_at = pw.DateTimeField(null=True)  # the last lookup, answered or not
    failing_since = pw.DateTimeField(null=True)  # the record went missing; grace runs

    class Meta:
        indexes = (
            (("organization", "domain"), True),
            (("domain", "status"), False),
        )


class SessionRecord(BaseModel):
    """One sign-in, kept on the server (wizard/domain/session_records.py). The cookie holds a
    random token, this row only its digest; a request is signed in only while its row
    is live, so signing out ends the session for every copy of the cookie. The Okta
    sign-in state (which organization, the ID token for Okta's sign-out) lives here
    too, never in the cookie."""

    member = pw.ForeignKeyField(Member, backref="session_records", on_delete="CASCADE")
    digest = pw.CharField(max_length=64, unique=True)
    method = pw.CharField(max_length=10)  # SignInMethod: password | okta
    created_at = pw.DateTimeField(default=utcnow)
    last_seen_at = pw.DateTimeField(default=utcnow)  # written at most once a minute
    ended_at = pw.DateTimeField(null=True)
    end_reason = pw.CharField(max_length=20, default="")  # SessionEnd
    okta_org = pw.CharField(max_length=40, default="")  # the slug an Okta sign-in used
    id_token = pw.TextField(default="")  # encrypted (security.encrypt_secret)


class SignInState(BaseModel):
    """authlib's state for an Okta sign-in under way (PKCE verifier, nonce, redirect
    URI), kept here rather than in the cookie (wizard/sso/oidc_state.py): one row per
    sign-in started, deleted when used, expired ones by housekeeping."""

    digest = pw.CharField(max_length=64, unique=True)  # of authlib's key, naming the state
    value = pw.TextField()  # encrypted JSON
    expires_at = pw.DateTimeField(index=True)


class TrustedHost(BaseModel):
    """A host outside Okta's own domains that an EnterpriseAdmin allowed for this
    organization's outbound requests: an Okta custom URL domain, or another OpenID
    provider's issuer. One exact name each (no wildcards): every entry widens where our
    server may be sent, so each is a deliberate, audited choice (wizard/outbound)."""

    organization = pw.ForeignKeyField(Organization, backref="trusted_hosts", on_delete="CASCADE")
    host = pw.CharField(max_length=253)  # lowercased, no trailing dot, punycode for IDNs
    added_by = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "host"), True),)


class SyncRun(BaseModel):
    """One pull sync: queued by the schedule or *Sync now*, claimed through a lease so two
    schedulers never run one organization at once; a run whose lease lapses was killed."""

    organization = pw.ForeignKeyField(Organization, backref="sync_runs", on_delete="CASCADE")
    trigger = pw.CharField(max_length=10)  # schedule | manual | cli
    dry_run = pw.BooleanField(default=False)
    status = pw.CharField(max_length=10, default="queued")  # queued running succeeded failed
    queued_at = pw.DateTimeField(default=utcnow)
    started_at = pw.DateTimeField(null=True)
    finished_at = pw.DateTimeField(null=True)
    lease_owner = pw.CharField(max_length=80, default="")
    lease_expires_at = pw.DateTimeField(null=True)
    progress_done = pw.IntegerField(default=0)
    progress_total = pw.IntegerField(default=0)
    counts = JSONField(default=dict)
    api_calls = pw.IntegerField(default=0)
    drift = JSONField(default=list)
    held = JSONField(default=list)  # deactivations held back for an admin's approval
    preview = JSONField(default=list)  # a dry run's per-member plan
    error = pw.TextField(default="")

    class Meta:
        indexes = (
            (("organization", "status"), False),
            (("status", "queued_at"), False),
        )


CORE_MODELS = [Organization, Site, Member, Group, Membership, RoleAssignment, AuditEvent]
SCIM_MODELS = [OktaConnection, *CONNECTION_PARTS, ScimToken, ScimEvent, FailedMigration]
SYNC_MODELS = [SyncRun]
MAPPING_MODELS = [RoleMapping, DetailMapping]
SUPPORT_MODELS = [PasswordSetLink, SetupLink]
TRUST_MODELS = [EmailDomain, SsoConfiguration, MemberIdentity, TrustedHost]
SESSION_MODELS = [SessionRecord, SignInState]
