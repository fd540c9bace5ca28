"""How people sign in: the Okta identities linked to members, the email domains that
route a sign-in, server-side sessions, and OpenID Connect round trips under way."""

import peewee as pw

from .base import BaseModel, utcnow
from .organization import Member, Organization


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
