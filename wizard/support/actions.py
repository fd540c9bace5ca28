"""What support and admins do with a failed migration: retry it through the same
directory rules, link a duplicate to the existing member, ignore it, mark it resolved.
License-limit failures also retry on their own when a seat frees up."""

from .. import directory
from ..db import write_transaction
from ..domain import failures
from ..domain.connections import connection_for
from ..domain.failure_reasons import FailureReason
from ..domain.sources import Source
from ..models import FailedMigration, Member, fold, utcnow
from ..permissions import may_manage
from ..scim import replay
from ..scim.context import ScimContext
from ..scim.errors import ScimError

ACTOR = "support-retry"
DISCONNECTED = "disconnected"  # OktaConnection.status after wizard/domain/disconnect.py


class ActionError(ValueError):
    pass


def retry(failure: FailedMigration) -> str:
    """Re-apply the stored request; returns the outcome in words. A new refusal bumps the
    same row (attempts + 1); a success resolves the user's failures. Needs no request:
    the scheduler retries license-limit rows from its own app context."""
    if failure.source == Source.SYNC:
        from ..sync import runs

        runs.queue(failure.organization, "manual")
        return "A sync is queued; it retries this user with everything else."
    if failure.reason == FailureReason.UNKNOWN_MEMBER:
        return _retry_unknown_member(failure)
    connection = connection_for(failure.organization)
    stored = failure.request or {}
    if connection is None or not stored.get("method"):
        raise ActionError("Nothing stored to retry: wait for Okta to send it again.")
    if connection.status == DISCONNECTED:  # Okta's old requests stay unapplied
        raise ActionError("Okta is disconnected: nothing it sent before is applied now.")
    try:
        with write_transaction(failure.organization_id):
            replay.replay(ScimContext.of(connection), stored, actor_label=ACTOR)
    except replay.NotReplayable as error:
        raise ActionError(str(error)) from None
    except directory.DirectoryError as error:
        _record_again(failure, error)
        return f"Still refused: {error.message}"
    except ScimError as error:
        return f"Still refused: {error.detail}"
    failures.resolve_for_user(failure.organization, failure.user_name, note="retried")
    _resolve(failure, "retried")
    return "Applied: the change went through."


def _retry_unknown_member(failure: FailedMigration) -> str:
    exists = (
        Member.select()
        .where(
            (Member.organization == failure.organization)
            & (Member.user_name_key == fold(failure.user_name))
        )
        .exists()
    )
    if not exists:
        return "Still unknown: the user has not arrived yet. Re-push the group once they have."
    _resolve(failure, "member arrived")
    return "The member exists now: push the group again in Okta to add them."


def _record_again(failure: FailedMigration, error: directory.DirectoryError) -> None:
    if error.reason == failure.reason:
        FailedMigration.update(
            attempts=FailedMigration.attempts + 1, last_seen=utcnow(), message=error.message
        ).where(FailedMigration.id == failure.id).execute()
    else:
        failures.record(
            failure.organization,
            source=failure.source,
            reason=error.reason,
            operation=failure.operation,
            message=error.message,
            user_name=failure.user_name,
            email=failure.email,
            display_name=failure.display_name,
            request=failure.request,
        )


def link_to_existing(failure: FailedMigration, *, actor) -> Member:
    """Duplicate email: the existing local member becomes Okta-managed, keeps its data, and
    takes Okta's userName so Okta's next existence check finds and links it.

    Whoever controls that Okta user then controls the account, so only someone who may
    manage the member may link it (an Admin cannot link an Admin or EnterpriseAdmin;
    staff link nobody: that is the organization's decision)."""
    if failure.reason != FailureReason.DUPLICATE_EMAIL or failure.member is None:
        raise ActionError("Only a duplicate email with a known member can be linked.")
    member = failure.member
    if not may_manage(actor, member):
        raise ActionError(
            f"{member.email} has the {member.org_role.label} role: only an Enterprise admin "
            "of the organization can hand that account to Okta."
        )
    with write_transaction(member.organization_id):
        member = Member.get_by_id(member.id)  # as it is under the write lock
        try:
            directory.link_to_okta(member, failure.user_name, actor=actor)
        except directory.DirectoryError as error:
            raise ActionError(error.message) from None
        _resolve(failure, "linked to the existing member")
    return member


NOTE_LIMIT = 500


def ignore(failure: FailedMigration, note: str) -> None:
    if not note.strip():
        raise ActionError("Say why you ignore it (the note is kept for the audit).")
    FailedMigration.update(status="ignored", note=_note(note), resolved_at=utcnow()).where(
        FailedMigration.id == failure.id
    ).execute()


def mark_resolved(failure: FailedMigration, note: str = "") -> None:
    _resolve(failure, _note(note) or "marked resolved")


def _note(note: str) -> str:
    if len(note.strip()) > NOTE_LIMIT:
        raise ActionError(f"Keep the note under {NOTE_LIMIT} characters.")
    return note.strip()


def _resolve(failure: FailedMigration, note: str) -> None:
    FailedMigration.update(status="resolved", resolved_at=utcnow(), note=note).where(
        FailedMigration.id == failure.id
    ).execute()


def retry_license_limits(limit: int = 50) -> int:
    """Scheduler housekeeping: retry open seat failures where a seat is free now."""
    retried = 0
    waiting = (
        FailedMigration.select()
        .where(
            (FailedMigration.status == "open")
            & (FailedMigration.reason == FailureReason.LICENSE_LIMIT)
            & (FailedMigration.source == Source.SCIM)
        )
        .order_by(FailedMigration.first_seen)
        .limit(limit)
    )
    for failure in list(waiting):  # read first: writing while a SELECT is open (SQLite) fails
        organization = failure.organization
        free = organization.seat_limit is None or (
            directory.seats_used(organization) < organization.seat_limit
        )
        if not free:
            continue
        try:
            retry(failure)
        except ActionError as error:  # it can never apply (the user is gone): close it
            _resolve(failure, f"not retried: {error}")
        else:
            retried += 1
    return retried
