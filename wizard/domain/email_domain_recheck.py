"""The daily re-check of verified domains, riding the scheduler's minute tick.

A domain proven once is not proven forever: a company sells a domain, or drops a
subsidiary, and its records go. Each verified domain is looked up again once a day
(hourly while its record is missing, so a restored record clears the notice soon), a
few per tick so a slow DNS server cannot hold up the syncs behind it. A lookup that
does not complete is retried after ``RETRY_AFTER`` and changes nothing.
"""

from datetime import datetime, timedelta

from flask import current_app, has_app_context

from ..models import EmailDomain
from . import audit
from .email_domain_verification import Outcome, check_now
from .email_domains import DomainStatus, VerifyMethod

RECHECK_EVERY = timedelta(days=1)
RECHECK_WHILE_FAILING = timedelta(hours=1)
RETRY_AFTER = timedelta(hours=1)
PER_TICK = 10  # lookups last at most 5 s each: a tick stays under a minute


def due(now: datetime):
    """Verified by DNS, not checked for a day (an hour while failing), not tried within
    the last hour; the longest unchecked first."""
    stale = EmailDomain.last_checked_at.is_null() | (
        EmailDomain.last_checked_at <= now - RECHECK_EVERY
    )
    failing = EmailDomain.failing_since.is_null(False) & (
        EmailDomain.last_checked_at <= now - RECHECK_WHILE_FAILING
    )
    return (
        EmailDomain.select()
        .where(
            (EmailDomain.status == DomainStatus.VERIFIED)
            & (EmailDomain.method == VerifyMethod.DNS)
            & (stale | failing)
            & _not_tried_since(now - RETRY_AFTER)
        )
        .order_by(EmailDomain.last_checked_at, EmailDomain.id)
    )


def _not_tried_since(moment: datetime):
    return EmailDomain.last_attempt_at.is_null() | (EmailDomain.last_attempt_at <= moment)


def _take(claim: EmailDomain, now: datetime) -> bool:
    """Mark the attempt first, conditionally: of two schedulers, one checks the domain."""
    taken = (
        EmailDomain.update(last_attempt_at=now)
        .where((EmailDomain.id == claim.id) & _not_tried_since(now - RETRY_AFTER))
        .execute()
    )
    return taken == 1


def recheck_due(now: datetime, limit: int = PER_TICK) -> int:
    """Check up to ``limit`` due domains; returns how many were looked up."""
    checked = 0
    for claim in due(now).limit(limit):
        if not _take(claim, now):
            continue
        check = check_now(claim, now=now)
        checked += 1
        if check.audit_action:
            audit.record(
                check.audit_action,
                organization=claim.organization,
                actor_label="scheduler",
                target=claim,
                details={"domain": claim.domain},
            )
        elif check.outcome == Outcome.LOOKUP_FAILED and has_app_context():
            current_app.logger.warning("domain re-check: %s", check.message)
    return checked
