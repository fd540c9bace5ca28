"""One pull sync: read who Okta assigns, then either provision (no SCIM) or report
drift (SCIM live). Every change goes through the directory rules, one transaction per
member; a refused change is a failed-migration row; nothing unchanged is written."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .. import directory
from ..db import database, one_of, write_transaction
from ..domain import failures, mappings
from ..domain.failure_reasons import FailureReason
from ..domain.sources import SYNC_WRITES_OVER, Source
from ..models import (
    Group,
    Member,
    OktaConnection,
    RoleMapping,
    ScimEvent,
    SyncRun,
    fold,
    utcnow,
)
from ..scim import request_log
from . import breaker, runs
from .breaker import Cause, Deactivation
from .okta_api import OktaClient

ACTOR = "okta-sync"
INACTIVE = breaker.ENDS_ACCESS  # Okta statuses that end access here
SCIM_LIVE_WINDOW = timedelta(days=30)
PREVIEW_LIMIT = 1000
SYNC_BATCH = 500  # Okta users per transaction
GROUP_READERS = 4  # concurrent reads of group members


@dataclass
class OktaState:
    users: dict[str, dict]  # in scope, by Okta id
    groups: list[dict]
    members_of: dict[str, list[str]]  # Okta group id -> in-scope Okta user ids
    listed: frozenset[str] = frozenset()  # every Okta user id Okta listed, in scope or not


@dataclass
class Outcome:
    counts: dict = field(
        default_factory=lambda: dict.fromkeys(
            (
                "created",
                "updated",
                "deactivated",
                "reactivated",
                "held",
                "failed",
                "unchanged",
                "groups_created",
                "memberships_changed",
                "drift",
            ),
            0,
        )
    )
    drift: list = field(default_factory=list)
    held: list = field(default_factory=list)
    preview: list = field(default_factory=list)

    def note(self, action: str, who: str, detail: str = ""):
        if len(self.preview) < PREVIEW_LIMIT:
            self.preview.append({"action": action, "who": who, "detail": detail})


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


def read_okta(client: OktaClient, connection: OktaConnection, progress) -> OktaState:
    """Who belongs: the users assigned to the picked Okta app, or, with no app picked, the
    members of the Okta groups used in role mappings (matched by Okta id, else name)."""
    users = {}
    for user in client.pages("/api/v1/users"):
        users[user["id"]] = user
        if len(users) % 1000 == 0:
            progress(0, len(users))
    groups = list(client.pages("/api/v1/groups"))

    def member_ids(group: dict) -> list[str]:
        return [u["id"] for u in client.pages(f"/api/v1/groups/{group['id']}/users")]

    # One call per group: a few at a time (well inside Okta's concurrency limit; 429s
    # are still waited out per call), since the wall time is Okta's answer time.
    with ThreadPoolExecutor(GROUP_READERS) as pool:
        group_members = dict(
            zip((g["id"] for g in groups), pool.map(member_ids, groups), strict=True)
        )
    if connection.sync_settings.app_id:
        app_users = client.pages(f"/api/v1/apps/{connection.sync_settings.app_id}/users")
        in_scope = {u["id"] for u in app_users}
    else:
        mapped = _mapped_okta_groups(connection, groups)
        in_scope = {uid for gid in mapped for uid in group_members[gid]}
    listed = frozenset(users)
    users = {uid: user for uid, user in users.items() if uid in in_scope}
    members_of = {gid: [uid for uid in ids if uid in users] for gid, ids in group_members.items()}
    return OktaState(users, groups, members_of, listed)


def _mapped_okta_groups(connection: OktaConnection, okta_groups: list[dict]) -> set[str]:
    """The Okta groups role mappings name, detached ones included (their group comes
    back with this sync, and its members with it)."""
    mapped = (
        Group.select(Group.okta_id, Group.name_key)
        .join(RoleMapping)
        .where(Group.organization == connection.organization)
    )
    by_id, by_name = directory.detached_okta_groups(connection.organization_id)
    by_id |= {g.okta_id for g in mapped if g.okta_id}
    by_name |= {g.name_key for g in mapped}
    return {
        g["id"]
        for g in okta_groups
        if g["id"] in by_id or fold((g.get("profile") or {}).get("name")) in by_name
    }


def profile_from_okta(user: dict) -> dict:
    profile = user.get("profile") or {}
    phones = [
        {"value": profile[key], "type": kind}
        for key, kind in (("mobilePhone", "mobile"), ("primaryPhone", "work"))
        if profile.get(key)
    ]
    return {
        "user_name": profile.get("login") or "",
        "email": profile.get("email") or "",
        "given_name": profile.get("firstName") or "",
        "family_name": profile.get("lastName") or "",
        "display_name": profile.get("displayName") or "",
        "title": profile.get("title") or "",
        "department": profile.get("department") or "",
        "phone_numbers": phones,
        "employee_number": profile.get("employeeNumber") or "",
        "manager_id": profile.get("managerId") or "",
        "external_id": user["id"],
    }


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
    _sync_groups(connection, state, outcome)
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


def _sync_groups(connection, state: OktaState, outcome: Outcome) -> None:
    organization = connection.organization
    member_ids = dict(
        Member.select(Member.okta_id, Member.id)
        .where((Member.organization == organization) & Member.okta_id.is_null(False))
        .tuples()
    )
    by_okta_id = {
        group.okta_id: group
        for group in Group.select().where(
            (Group.organization == organization) & Group.okta_id.is_null(False)
        )
    }
    for okta_group in state.groups:
        group = by_okta_id.get(okta_group["id"])
        name = (okta_group.get("profile") or {}).get("name") or okta_group["id"]
        with write_transaction(organization):
            if group is None:
                group, linked = directory.create_or_link_group(
                    organization,
                    name,
                    external_id=None,
                    managed_by=Source.SYNC,
                    actor_label=ACTOR,
                    okta_id=okta_group["id"],
                )
                outcome.counts["groups_created"] += 0 if linked else 1
            if group.managed_by != Source.SYNC:
                continue  # a pushed (SCIM) group: membership is Okta's push to make
            wanted = {member_ids[u] for u in state.members_of[okta_group["id"]] if u in member_ids}
            if directory.replace_members(group, wanted, managed_by=Source.SYNC, actor_label=ACTOR):
                outcome.counts["memberships_changed"] += 1


def report_drift(connection: OktaConnection, state: OktaState, outcome: Outcome) -> None:
    """With SCIM live the sync changes nothing: it lists what SCIM should have done."""
    organization = connection.organization
    members = {
        m.okta_id or m.external_id: m
        for m in Member.select().where((Member.organization == organization) & ~Member.scim_hidden)
    }
    by_name = {m.user_name_key: m for m in members.values() if m.user_name_key}
    assigned = set()
    for okta_id, user in state.users.items():
        login = (user.get("profile") or {}).get("login", "")
        member = members.get(okta_id) or by_name.get(fold(login))
        active = user.get("status") not in INACTIVE
        if member is None and active:
            _drift(
                outcome,
                "never_arrived",
                login,
                "Assigned in Okta but never provisioned: in "
                "Okta, open the app's Assignments and use Provision User (or re-assign).",
            )
        elif member is not None:
            assigned.add(member.id)
            if member.active and not active:
                _drift(
                    outcome,
                    "removal_never_came",
                    login,
                    "Deactivated in Okta but still active here: apply here or re-push.",
                )
    for member in members.values():
        if member.managed_by == Source.SCIM and member.active and member.id not in assigned:
            _drift(
                outcome,
                "removal_never_came",
                member.user_name or member.email,
                "Active here but no longer assigned in Okta: unassign sends the deactivation.",
            )


def _drift(outcome, kind, who, fix):
    outcome.counts["drift"] += 1
    if len(outcome.drift) < PREVIEW_LIMIT:
        outcome.drift.append({"kind": kind, "who": who, "fix": fix})
