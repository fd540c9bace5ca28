"""One-time links: a member's password link, an IT person's setup link."""

import peewee as pw

from .base import BaseModel, utcnow
from .organization import Member, Organization


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
