"""What support and admins do with a failed migration: retry it through the same
directory rules, link a duplicate to the existing member, ignore it, mark it resolved.
License-limit failures also retry on their own when a seat frees up."""

from flask import g

from .. import directory, failures
from ..connections import connection_for
from ..db import write_transaction
from ..models import FailedMigration, Member, fold, utcnow
from ..permissions import may_manage
from ..scim import patch
from ..scim.errors import ScimError
from ..scim.mapping import profile_from_scim, user_to_scim

SEAT_REASONS = ("license_limit",)
DISCONNECTED = "disconnected"  # OktaConnection.status after wizard/disconnect.py


class ActionError(ValueError):
    pass


def retry(failure: FailedMigration) -> str:
    """Re-apply the stored request; returns the outcome in words. A new refusal bumps the
    same row (attempts + 1); a success resolves the user's failures."""
    if failure.source == "sync":
        from ..sync import runs

        runs.queue(failure.organization, "manual")
        return "A sync is queued; it retries this user with everything else."
    request = failure.request or {}
    method, path, body = request.get("method"), request.get("path", ""), request.get("body")
    if failure.reason == "unknown_member":
        return _retry_unknown_member(failure)
    connection = connection_for(failure.organization)
    if connection is None or not method:
        raise ActionError("Nothing stored to retry: wait for Okta to send it again.")
    if connection.status == DISCONNECTED:  # Okta's old requests stay unapplied
        raise ActionError("Okta is disconnected: nothing it sent before is applied now.")
    g.scim_connection = connection  # resource URLs in the replay are built from it
    try:
        with write_transaction(failure.organization_id):
            _replay(failure, method, path, body or {})
    except directory.DirectoryError as error:
        _record_again(failure, error)
        return f"Still refused: {error.message}"
    except ScimError as error:
        return f"Still refused: {error.detail}"
    failures.resolve_for_user(failure.organization, failure.user_name, note="retried")
    _resolve(failure, "retried")
    return "Applied: the change went through."


def _replay(failure, method: str, path: str, body: dict) -> None:
    organization = failure.organization
    if method == "POST" and path.rstrip("/") == "/Users":
        profile, extras = profile_from_scim(body)
        directory.create_member(
            organization,
            profile,
            managed_by="scim",
            role=extras["role"],
            active=extras.get("active", True),
            actor_label="support-retry",
        )
        return
    if path.startswith("/Users/") and method in ("PUT", "PATCH"):
        # Only a member SCIM still sees: one Okta deleted since (hidden) or one kept
        # local must not be changed, nor revived, by an old request.
        member = Member.get_or_none(
            (Member.organization == organization)
            & (Member.scim_id == path.split("/")[2])
            & ~Member.scim_hidden
            & ~Member.keep_local
        )
        if member is None:
            raise ActionError("That user no longer exists here (deleted in Okta, or kept local).")
        if method == "PATCH":
            from .. import grants

            current = user_to_scim(member, None, grants.scim_role(member))
            body = patch.apply(current, patch.compile_user_patch(patch.operations(body)))
        profile, extras = profile_from_scim(body)
        directory.update_member(
            member,
            profile,
            managed_by="scim",
            role=extras["role"],
            active=extras.get("active", directory.UNSET),
            actor_label="support-retry",
        )
        return
    raise ActionError("This kind of request cannot be retried here; Okta retries it itself.")


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
    if failure.reason != "duplicate_email" or failure.member is None:
        raise ActionError("Only a duplicate email with a known member can be linked.")
    member = failure.member
    if member.keep_local:
        raise ActionError("This member is kept local (break-glass) and cannot be linked.")
    if not may_manage(actor, member):
        raise ActionError(
            f"{member.email} has the {member.org_role.label} role: only an Enterprise admin "
            "of the organization can hand that account to Okta."
        )
    clash = Member.get_or_none(
        (Member.organization == member.organization)
        & (Member.user_name_key == fold(failure.user_name))
        & (Member.id != member.id)
    )
    if clash is not None:
        raise ActionError(f"Another member already has the userName {failure.user_name}.")
    with write_transaction(member.organization_id):
        member.user_name, member.user_name_key = failure.user_name, fold(failure.user_name)
        member.managed_by, member.source = "scim", "okta"
        member.version += 1
        member.updated_at = utcnow()
        member.save()
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
            & (FailedMigration.reason.in_(SEAT_REASONS))
            & (FailedMigration.source == "scim")
        )
        .order_by(FailedMigration.first_seen)
        .limit(limit)
    )
    for failure in list(waiting):  # read first: writing while a SELECT is open (SQLite) fails
        organization = failure.organization
        free = organization.seat_limit is None or (
            directory.seats_used(organization) < organization.seat_limit
        )
        if free:
            try:
                retry(failure)
            except ActionError as exc:  # nothing to retry on: do not ask again every tick
                _resolve(failure, f"not retried: {exc}")
            retried += 1
    return retried
