"""What Okta's SCIM requests use and leave: bearer tokens (digests only), the request
log, and the failed migrations nothing may drop."""

import peewee as pw

from .base import BaseModel, JSONField, utcnow
from .connection import OktaConnection
from .organization import Member, Organization


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
