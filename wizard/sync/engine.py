"""One pull sync: read who Okta assigns, then either provision (no SCIM) or report
drift (SCIM live). Every change goes through the directory rules, one transaction per
member; a refused change is a failed-migration row; nothing unchanged is written."""

from datetime import datetime, timedelta

from .. import directory
from ..db import database, one_of, write_transaction
from ..domain import failures, mappings
from ..domain.failure_reasons import FailureReason
from ..domain.sources import SYNC_WRITES_OVER, Source
from ..models import Member, OktaConnection, ScimEvent, SyncRun, fold, utcnow
from ..scim import request_log
from . import breaker, runs
from .breaker import Cause, Deactivation
from .drift import report_drift
from .group_sync import sync_groups
from .okta_api import OktaClient
from .okta_state import INACTIVE, OktaState, profile_from_okta, read_okta
from .outcome import Outcome

ACTOR = "okta-sync"
SCIM_LIVE_WINDOW = timedelta(days=30)
SYNC_BATCH = 500  # Okta users per transaction


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

    def progress(done, total):
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
    the changed ones one by one, all in one transaction with a savepoint per member."""
    details = mappings.detail_mappings(connection.organization)
    open_failures = failures.open_user_keys(connection.organization)
    seen: set[int] = set()
    planned: list[Deactivation] = []  # applied or held together, once every batch is read
    items = list(state.users.items())
    for start in range(0, len(items), SYNC_BATCH):
        batch = items[start : start + SYNC_BATCH]
        with write_transaction(connection.organization_id):
            _provision_batch(
                connection, batch, outcome, details, seen, open_failures, planned, state.listed
            )
        progress(min(start + SYNC_BATCH, len(items)), len(items))
    _deactivate(connection, seen, planned, outcome)
    sync_groups(connection, state, outcome, actor_label=ACTOR)
    progress(len(items), len(items))


def _provision_batch(
    connection, batch, outcome, details, seen, open_failures, planned, listed
) -> None:
    organization = connection.organization
    wanted = [
        (
            okta_id,
            user,
            mappings.apply_detail_mappings(
                profile_from_okta(user), user.get("profile") or {}, details
            ),
        )
        for okta_id, user in batch
    ]
    by_okta_id = _members_where(organization, Member.okta_id, [okta_id for okta_id, _ in batch])
    by_login = _members_where(
        organization,
        Member.user_name_key,
        [fold(p["user_name"]) for okta_id, _, p in wanted if okta_id not in by_okta_id],
    )
    new = []
    for okta_id, user, profile in wanted:
        active = user.get("status") not in INACTIVE
        row = by_okta_id.get(okta_id) or _by_login(by_login, profile, okta_id, listed)
        if row is None:
            if active:
                new.append((okta_id, user, profile))
            continue
        seen.add(row["id"])
        if row["managed_by"] not in SYNC_WRITES_OVER:
            continue  # SCIM's (or another source's) member: drift, never overwritten
        # The breaker decides, with the unassignments; a kept-local member is not Okta's
        # to deactivate (the update below is refused and recorded instead).
        ends_access = row["active"] and not active and not row["keep_local"]
        if ends_access:
            planned.append(Deactivation(row["id"], Cause(user["status"])))
            active = True
        if not directory.differs(row, profile, active=active):
            outcome.counts["unchanged"] += 0 if ends_access else 1
            if row["user_name_key"] in open_failures:
                failures.resolve_for_user(organization, row["user_name"], note="updated")
            if row["okta_id"] != okta_id:
                Member.update(okta_id=okta_id).where(Member.id == row["id"]).execute()
            continue
        member = Member.get_by_id(row["id"])  # the whole member, for the rules
        _update_one(connection, member, okta_id, profile, active, outcome)
    if new:
        _create_many(connection, new, outcome, seen)


def _by_login(by_login: dict, profile: dict, okta_id: str, listed: frozenset) -> dict | None:
    """The member with this login, unless it came from another Okta user who still exists:
    Okta frees a login when a user is renamed and may give it to someone else, who must
    not inherit that member (roles, groups, sign-in). A member whose Okta user is gone
    (deleted, then created again) is matched, as is one no Okta user ever had."""
    row = by_login.get(fold(profile["user_name"]))
    if row is not None and row["okta_id"] not in (None, okta_id) and row["okta_id"] in listed:
        return None
    return row


# What the comparison with Okta reads of each member: rows, not models (a re-sync reads
# every member; building 100,000 models was a third of its time).


COMPARED = (
    Member.id,
    Member.okta_id,
    Member.managed_by,
    Member.active,
    Member.keep_local,
    Member.user_name_key,
    Member.email_key,
    *(getattr(Member, name) for name in directory.PROFILE_FIELDS),
)


def _members_where(organization, column, keys: list[str]) -> dict:
    keys = [key for key in keys if key]
    if not keys:
        return {}
    query = (
        Member.select(*COMPARED)
        .where((Member.organization == organization) & one_of(column, keys))
        .dicts()
    )
    return {row[column.name]: row for row in query}


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
