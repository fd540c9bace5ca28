"""Proving an email domain with a DNS TXT record, and what happens when the proof goes.

The admin publishes ``_okta-connector-challenge.<domain>`` TXT
``okta-connector-verification=<token>``; the token is the claim's own (one per
organization and domain), so another organization's record proves nothing for us. The
name is under the domain itself: a record under a subdomain or the parent proves only
that name. A verified domain whose record disappears keeps working for ``GRACE`` with a
notice to the admins, then lapses (routes and matches nothing) until proven again.

A lookup that does not complete is not a missing record: it changes nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import peewee as pw

from .. import dns
from ..db import database
from ..models import EmailDomain, Organization, utcnow
from ..security import same_secret
from .email_domains import TAKEN, DomainStatus, VerifyMethod, check_claimable, holder

RECORD_PREFIX = "_okta-connector-challenge"
VALUE_PREFIX = "okta-connector-verification="
GRACE = timedelta(days=7)


class Outcome(StrEnum):
    """What one check found; the audited ones name the event ``domain.<outcome>``."""

    VERIFIED = "verified"  # proven now (was pending or lapsed)
    CONFIRMED = "confirmed"  # verified, and the record is still there
    RESTORED = "restored"  # the record is back within the grace period
    NOT_FOUND = "not_found"  # pending or lapsed, and no matching record
    FAILING = "failing"  # verified, and the record is gone: the grace starts
    STILL_FAILING = "still_failing"
    LAPSED = "lapsed"  # the grace is over
    TAKEN = "taken"  # another organization holds the domain verified
    LOOKUP_FAILED = "lookup_failed"  # no answer: nothing changed


AUDITED = {Outcome.VERIFIED, Outcome.RESTORED, Outcome.FAILING, Outcome.LAPSED, Outcome.TAKEN}


@dataclass(frozen=True)
class TxtRecord:
    name: str
    value: str


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    message: str

    @property
    def audit_action(self) -> str | None:
        return f"domain.{self.outcome}" if self.outcome in AUDITED else None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.VERIFIED, Outcome.CONFIRMED, Outcome.RESTORED)


def record_for(claim: EmailDomain) -> TxtRecord:
    return TxtRecord(f"{RECORD_PREFIX}.{claim.domain}", f"{VALUE_PREFIX}{claim.token}")


def check_now(claim: EmailDomain, *, now: datetime | None = None) -> Check:
    """Look the record up and move the claim along (see the module docstring)."""
    now = now or utcnow()
    record = record_for(claim)
    EmailDomain.update(last_attempt_at=now).where(EmailDomain.id == claim.id).execute()
    try:
        values = dns.txt_records(record.name)
    except dns.LookupFailed:
        return Check(
            Outcome.LOOKUP_FAILED,
            f"The DNS lookup of {record.name} did not complete (no answer in time); "
            "nothing changed. Try again in a few minutes.",
        )
    if any(same_secret(value.strip(), record.value) for value in values):
        return _found(claim, now)
    return _missing(claim, now, record, other_values=bool(values))


def _found(claim: EmailDomain, now: datetime) -> Check:
    if claim.status == DomainStatus.VERIFIED:
        restored = claim.failing_since is not None
        _save(claim, now, failing_since=None, method=VerifyMethod.DNS)
        if restored:
            return Check(Outcome.RESTORED, f"The record is back: {claim.domain} stays verified.")
        return Check(Outcome.CONFIRMED, f"The record is in place: {claim.domain} is verified.")
    owner = holder(claim.domain)
    if owner is not None and owner.id != claim.organization_id:
        return Check(Outcome.TAKEN, TAKEN.format(domain=claim.domain))
    try:
        with database.atomic():
            _save(claim, now, status=DomainStatus.VERIFIED, method=VerifyMethod.DNS,
                  verified_at=now, failing_since=None)  # fmt: skip
    except pw.IntegrityError:  # another organization's check won the race just now
        return Check(Outcome.TAKEN, TAKEN.format(domain=claim.domain))
    return Check(
        Outcome.VERIFIED,
        f"{claim.domain} is verified: sign-ins for it now go to your Okta.",
    )


def _missing(claim: EmailDomain, now: datetime, record: TxtRecord, *, other_values) -> Check:
    if claim.status != DomainStatus.VERIFIED:
        _save(claim, now)
        found = (
            f"TXT records exist at {record.name}, but none has this organization's value."
            if other_values
            else f"No TXT record named {record.name} was found."
        )
        return Check(
            Outcome.NOT_FOUND,
            f"{found} Create it with the value shown; DNS changes can take a while to appear.",
        )
    if claim.method == VerifyMethod.SKIP_DNS:
        _save(claim, now)
        return Check(
            Outcome.NOT_FOUND,
            f"No record at {record.name}; {claim.domain} stays verified (an operator "
            "verified it without DNS).",
        )
    if claim.failing_since is None:
        _save(claim, now, failing_since=now)
        return Check(Outcome.FAILING, notice_for(EmailDomain.get_by_id(claim.id)).text)
    if now >= claim.failing_since + GRACE:
        _save(claim, now, status=DomainStatus.LAPSED)
        return Check(Outcome.LAPSED, notice_for(EmailDomain.get_by_id(claim.id)).text)
    _save(claim, now)
    return Check(Outcome.STILL_FAILING, notice_for(claim).text)


def _save(claim: EmailDomain, now: datetime, **values) -> None:
    EmailDomain.update(last_checked_at=now, **values).where(EmailDomain.id == claim.id).execute()


def verify_without_dns(claim: EmailDomain, *, now: datetime | None = None) -> Check:
    """An operator's ``domain verify --skip-dns`` (an install without public DNS): the
    same refusals as a claim, no lookup, and no daily re-check afterwards."""
    check_claimable(claim.organization, claim.domain)
    now = now or utcnow()
    with database.atomic():
        _save(claim, now, status=DomainStatus.VERIFIED, method=VerifyMethod.SKIP_DNS,
              verified_at=now, failing_since=None)  # fmt: skip
    return Check(Outcome.VERIFIED, f"{claim.domain} is verified (without a DNS check).")


@dataclass(frozen=True)
class Notice:
    domain: str
    lapsed: bool
    text: str


def notice_for(claim: EmailDomain) -> Notice | None:
    """What the admins are told about a domain whose record went missing."""
    if claim.failing_since is None:
        return None
    since = claim.failing_since.strftime("%Y-%m-%d")
    ends = (claim.failing_since + GRACE).strftime("%Y-%m-%d")
    name = f"{RECORD_PREFIX}.{claim.domain}"
    if claim.status == DomainStatus.LAPSED:
        text = (
            f"{claim.domain} lapsed on {ends}: its TXT record ({name}) has been missing "
            f"since {since}. Sign-ins for it no longer go to your Okta and match no account. "
            "Publish the record again, then Verify now."
        )
        return Notice(claim.domain, True, text)
    if claim.status != DomainStatus.VERIFIED:
        return None
    text = (
        f"The TXT record proving {claim.domain} ({name}) is missing since {since}. "
        f"Put it back: {claim.domain} lapses on {ends} otherwise, and then its sign-ins "
        "stop going to your Okta."
    )
    return Notice(claim.domain, False, text)


def notices(organization: Organization) -> list[Notice]:
    query = (
        EmailDomain.select()
        .where(
            (EmailDomain.organization == organization) & EmailDomain.failing_since.is_null(False)
        )
        .order_by(EmailDomain.domain)
    )
    return [notice for notice in map(notice_for, query) if notice is not None]
