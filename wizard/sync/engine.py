"""One pull sync: read who Okta assigns, then either provision (no SCIM) or report
drift (SCIM live). Every change goes through the directory rules, one transaction per
member; a refused change is a failed-migration row; nothing unchanged is written."""

import time
from datetime import datetime, timedelta

from .. import directory
from ..db import database, refresh_statistics, write_transaction
from ..domain import failures, mappings
from ..domain.failure_reasons import FailureReason
from ..domain.sources import Source
from ..models import Member, OktaConnection, ScimEvent, SyncRun, utcnow
from ..scim import request_log
from . import breaker, runs
from .breaker import Cause, Deactivation
from .compare import Decision, decide, writes
from .drift import report_drift
from .group_sync import sync_groups
from .okta_api import OktaClient
from .okta_state import OktaState, profile_from_okta, read_okta
from .outcome import Outcome

ACTOR = "okta-sync"
SCIM_LIVE_WINDOW = timedelta(days=30)
# Okta users per transaction: the lock is held ~100 ms per batch (p50; max 250 ms on a
# loaded machine, both engines). Larger batches would save a few statements each but
# hold SCIM writers longer and pass more than LOOKUP_CHUNK keys to one lookup.
SYNC_BATCH = 500
HEARTBEAT_SECONDS = 1.0


def scim_is_live(connection: OktaConnection, now: datetime) -> bool:
    """SCIM provisions while it has a live token used in the last 30 days."""
    from ..domain.connections import live_tokens

    if not live_tokens(connection, now).exists():
        return False
    request_log.flush()
    return (
        ScimEvent.select()
        .where(
            (ScimEvent.connection == connection)
            & ScimEvent.authenticated
            & (ScimEvent.created_at >= now - SCIM_LIVE_WINDOW)
        )
        .exists()
    )


def run_sync(
    run: SyncRun, connection: OktaConnection, client: OktaClient, now: datetime | None = None
) -> Outcome:
    """Apply (or, for a dry run, only plan) one sync; the caller records the outcome."""
    now = now or utcnow()

    last = [0.0]

    def progress(done, total):
        # Two UPDATEs, each its own commit: per batch of 500 that was 400 commits at
        # 100,000 users. Once a second is plenty for the page and the 2-minute lease.
        if done < total and time.monotonic() - last[0] < HEARTBEAT_SECONDS:
            return
        last[0] = time.monotonic()
        runs.heartbeat(run, done, total)

    state = read_okta(client, connection, progress)
    outcome = Outcome()
    if scim_is_live(connection, now):
        report_drift(connection, state, outcome)
        return outcome
    if run.dry_run:
        with database.atomic() as transaction:
            provision(connection, state, outcome, progress)
            transaction.rollback()  # the same code as a real run; nothing is kept
    else:
        provision(connection, state, outcome, progress)
    return outcome


def provision(connection: OktaConnection, state: OktaState, outcome: Outcome, progress) -> None:
    """Apply Okta's users in batches: each batch reads its members in two queries,
    creates the new ones together (the directory's bulk create, same rules) and updates
    the changed ones one by one, all in one transaction with a savepoint per member.

    A batch is first compared without the lock while the batches before it had nothing
    to write (a re-sync): one with nothing to write (every member unchanged, no failure
    to resolve) is done there; any other is read and decided again under the lock."""
    details = mappings.detail_mappings(connection.organization)
    open_failures = failures.open_user_keys(connection.organization)
    seen: set[int] = set()
    planned: list[Deactivation] = []  # applied or held together, once every batch is read
    items = list(state.users.items())
    probe, analyzed = True, 0
    for start in range(0, len(items), SYNC_BATCH):
        wanted = _wanted(items[start : start + SYNC_BATCH], details)
        organization = connection.organization
        decided = decide(organization, wanted, open_failures, state.listed) if probe else None
        if decided is None or writes(decided):
            with write_transaction(connection.organization_id):
                decided = decide(organization, wanted, open_failures, state.listed)
                _apply(connection, decided, outcome, seen, planned)
        else:
            _apply(connection, decided, outcome, seen, planned)  # counts only: no write
        probe = not writes(decided)
        analyzed = _statistics(outcome.counts["created"], analyzed)
        progress(min(start + SYNC_BATCH, len(items)), len(items))
    _statistics(outcome.counts["created"], analyzed, final=True)
    _deactivate(connection, seen, planned, outcome)
    sync_groups(connection, state, outcome, actor_label=ACTOR)
    progress(len(items), len(items))


def _statistics(created: int, analyzed: int, final: bool = False) -> int:
    """The member table's planner statistics, refreshed (outside the lock) as this run's
    creates grow it 4x: at 1,000, 4,000, 16,000, 64,000... created, and once at the end;
    returns the count they now include."""
    if created > analyzed and (final or created >= 4 * max(analyzed, 250)):
        refresh_statistics(Member)
        return created
    return analyzed


def _wanted(batch, details) -> list[tuple[str, dict, dict]]:
    return [
        (
            okta_id,
            user,
            mappings.apply_detail_mappings(
                profile_from_okta(user), user.get("profile") or {}, details
            ),
        )
        for okta_id, user in batch
    ]


def _apply(connection, decided: list[Decision], outcome, seen, planned) -> None:
    organization = connection.organization
    new = []
    for d in decided:
        if d.kind == "new":
            new.append((d.okta_id, None, d.profile))
        if d.row is None:
            continue
        seen.add(d.row["id"])
        if d.ends_access:
            planned.append(Deactivation(d.row["id"], Cause(d.status)))
        if d.kind == "unchanged":
            outcome.counts["unchanged"] += 0 if d.ends_access else 1
            if d.resolve:
                failures.resolve_for_user(organization, d.row["user_name"], note="updated")
            if d.relink:
                Member.update(okta_id=d.okta_id).where(Member.id == d.row["id"]).execute()
        elif d.kind == "update":
            member = Member.get_by_id(d.row["id"])  # the whole member, for the rules
            _update_one(connection, member, d.okta_id, d.profile, d.active, outcome)
    if new:
        _create_many(connection, new, outcome, seen)


def _update_one(connection, member, okta_id, profile, active, outcome) -> None:
    who = profile["user_name"] or profile["email"]
    try:
        with database.atomic():  # a savepoint: a refusal undoes this member only
            was_active = member.active
            changed = directory.update_member(
                member, profile, managed_by=Source.SYNC, active=active, actor_label=ACTOR
            )
            _count_update(outcome, changed, was_active, member, who)
            if member.okta_id != okta_id:
                Member.update(okta_id=okta_id).where(Member.id == member.id).execute()
    except directory.DirectoryError as error:
        _refused(connection, outcome, error, profile, okta_id, "update")


def _create_many(connection, new, outcome, seen) -> None:
    result = directory.create_members(
        connection.organization,
        [(profile, {"okta_id": okta_id}) for okta_id, _, profile in new],
        managed_by=Source.SYNC,
        actor_label=ACTOR,
    )
    for index, member_id in result.created:
        seen.add(member_id)
        outcome.counts["created"] += 1
        profile = new[index][2]
        outcome.note("create", profile["user_name"] or profile["email"])
    for index, error in result.refused:
        okta_id, _, profile = new[index]
        _refused(connection, outcome, error, profile, okta_id, "create")


def _refused(connection, outcome, error, profile, okta_id, operation) -> None:
    outcome.counts["failed"] += 1
    outcome.note("failed", profile["user_name"] or profile["email"], error.message)
    if FailureReason(error.reason).recorded:
        failures.record(
            connection.organization,
            source=Source.SYNC,
            reason=error.reason,
            operation=operation,
            message=error.message,
            user_name=profile["user_name"],
            email=profile["email"],
            member=error.member,
            request={"okta_user": okta_id},
        )


def _count_update(outcome, changed, was_active, member, who):
    if not changed:
        outcome.counts["unchanged"] += 1
    elif "active" in changed:
        key = "reactivated" if member.active and not was_active else "deactivated"
        outcome.counts[key] += 1
        outcome.note("reactivate" if key == "reactivated" else "deactivate", who)
    else:
        outcome.counts["updated"] += 1
        outcome.note("update", who, ", ".join(changed))


def _deactivate(connection, seen: set[int], planned: list[Deactivation], outcome) -> None:
    """Sync-managed members Okta no longer assigns join those whose Okta status ends
    their access; the circuit breaker applies them all or holds them all."""
    synced = breaker.synced_active_ids(connection.organization)
    unassigned = [Deactivation(member_id, Cause.UNASSIGNED) for member_id in sorted(synced - seen)]
    breaker.apply_or_hold(connection, planned + unassigned, synced, outcome)
