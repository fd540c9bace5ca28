"""What the sync reads from Okta: the users in scope (assigned to the picked app, or
in the groups role mappings name), the groups and their members, and each Okta user as
the profile the directory rules take."""

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .. import directory
from ..models import Group, OktaConnection, RoleMapping, fold, utcnow
from . import breaker
from .group_snapshots import Snapshots
from .okta_api import OktaClient

INACTIVE = breaker.ENDS_ACCESS  # Okta statuses that end access here
GROUP_READERS = 4  # concurrent reads of group members
APP_USERS_PAGE_SIZE = 500  # Okta's largest page of an app's users


@dataclass
class OktaState:
    users: dict[str, dict]  # in scope, by Okta id
    groups: list[dict]
    members_of: dict[str, list[str]]  # Okta group id -> in-scope Okta user ids
    listed: frozenset[str] = frozenset()  # every Okta user id Okta listed, in scope or not


def read_okta(client: OktaClient, connection: OktaConnection, progress) -> OktaState:
    """Who belongs: the users assigned to the picked Okta app, or, with no app picked, the
    members of the Okta groups used in role mappings (matched by Okta id, else name).
    A group's members are read only when Okta's ``lastMembershipUpdated`` says they
    changed since the last read (group_snapshots.py)."""
    app_id = connection.sync_settings.app_id
    snapshots = Snapshots(connection.organization_id, client.org_url, utcnow())
    read: dict[str, list[str]] = {}  # the groups whose members this run read

    def member_ids(group: dict) -> list[str]:
        kept = snapshots.members(group)
        if kept is not None:
            return kept
        read[group["id"]] = ids = [
            u["id"] for u in client.pages(f"/api/v1/groups/{group['id']}/users")
        ]
        return ids

    def groups_and_members() -> tuple[list[dict], dict[str, list[str]]]:
        # By id, as the users are: a group Okta's paging repeated is one group.
        groups = list({g["id"]: g for g in client.pages("/api/v1/groups")}.values())
        # One call per group: a few at a time (well inside Okta's concurrency limit; 429s
        # are still waited out per call), since the wall time is Okta's answer time.
        with ThreadPoolExecutor(GROUP_READERS) as readers:
            members = dict(
                zip((g["id"] for g in groups), readers.map(member_ids, groups), strict=True)
            )
        return groups, members

    # The three listings do not depend on each other: the groups and the app's users are
    # read while this thread reads the users (which reports progress: the database
    # connection is this thread's). Waiting on Okta one listing after another was half a
    # re-sync's time.
    listing = client.pages("/api/v1/users")
    # The first call goes alone: an access token Okta ended early is refreshed on it,
    # once, before the listings call side by side (three refusals otherwise).
    users = {user["id"]: user for user in itertools.islice(listing, 1)}
    with ThreadPoolExecutor(2) as listings:
        grouped = listings.submit(groups_and_members)
        assigned = listings.submit(_app_user_ids, client, app_id) if app_id else None
        for user in listing:
            users[user["id"]] = user
            if len(users) % 1000 == 0:
                progress(0, len(users))
        groups, group_members = grouped.result()
        in_scope = assigned.result() if assigned is not None else None
    snapshots.save(groups, read)
    if in_scope is None:
        mapped = _mapped_okta_groups(connection, groups)
        in_scope = {uid for gid in mapped for uid in group_members[gid]}
    listed = frozenset(users)
    users = {uid: user for uid, user in users.items() if uid in in_scope}
    members_of = {gid: [uid for uid in ids if uid in users] for gid, ids in group_members.items()}
    return OktaState(users, groups, members_of, listed)


def _app_user_ids(client: OktaClient, app_id: str) -> set[str]:
    # Okta serves up to 500 app users a page (users: 200): 200 calls for 100,000, not 500.
    pages = client.pages(f"/api/v1/apps/{app_id}/users", {"limit": APP_USERS_PAGE_SIZE})
    return {u["id"] for u in pages}


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
