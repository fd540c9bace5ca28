"""An organization's link to its Okta tenant: the connection and its 1:1 parts (SCIM
health, sign-in policy, the management API, the sync's settings and lease), its sign-in
configurations, and the custom Okta hosts it may reach."""

from enum import StrEnum

import peewee as pw

from .base import BaseModel, JSONField, utcnow
from .organization import Member, Organization


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
