"""One simulated Okta org: its directory (the management API's users and groups), the two
apps the wizard asks for, who is assigned to them, and what each change sends.

The directory lives in the management API emulator, so what the console edits is what
the pull sync reads; every change that Okta would provision goes through the
provisioning engine to our SCIM endpoint, and returns the requests it sent.
"""

import secrets
import threading

from . import seed
from .management_api import OktaEmulator
from .openid_provider import OpenIdProvider, SignInClient
from .provisioning import ProvisioningEngine

SIGN_IN_APP = "0oasim0signin0app001"  # Okta app ids: 0oa + 17 characters
PROVISIONING_APP = "0oasim0provision0002"
APP_LABELS = {
    SIGN_IN_APP: "okta-connector sign-in (OIDC)",
    PROVISIONING_APP: "okta-connector provisioning (SCIM 2.0 Test App, Header Auth)",
}
STATUSES = ("ACTIVE", "SUSPENDED", "DEPROVISIONED")
PROFILE_FIELDS = ("firstName", "lastName", "email", "login", "title", "department", "photoUrl")


class SimulatedOkta:
    def __init__(self, domain: str = "demo.example.com", api_token: str | None = None):
        self.domain = domain
        self.api = OktaEmulator(token=api_token)
        self.api.apps = [
            {"id": app, "label": label, "status": "ACTIVE"} for app, label in APP_LABELS.items()
        ]
        self.api.app_users = {app: [] for app in APP_LABELS}
        self.api.token_owner = {"id": "00usimadmin0000owner", "profile": {"login": f"it@{domain}"}}
        self.openid = OpenIdProvider()
        self.openid.chooser = "/sign-in"
        self.openid.clients[SIGN_IN_APP] = SignInClient(SIGN_IN_APP, secrets.token_urlsafe(30))
        self.engine = ProvisioningEngine()
        self.assigned_people: dict[str, list[str]] = {app: [] for app in APP_LABELS}
        self.assigned_groups: dict[str, list[str]] = {app: [] for app in APP_LABELS}
        self.scenarios: set[str] = set()  # the scenarios on (scenarios.py)
        self.saved: dict = {}  # what a scenario changed, to put it back
        self.lock = threading.RLock()

    @classmethod
    def seeded(cls, domain: str = "demo.example.com", api_token: str | None = None):
        world = cls(domain, api_token)
        for person in seed.seed_people(domain):
            world.api.users[person["id"]] = person
        for group_id, name, description, departments in seed.GROUPS:
            members = [
                uid
                for uid, user in world.api.users.items()
                if departments is None or user["profile"]["department"] in departments
            ]
            world.api.groups[group_id] = seed.okta_group(group_id, name, description)
            world.api.group_members[group_id] = members
        return world

    @property
    def sign_in_client(self) -> SignInClient:
        return self.openid.clients[SIGN_IN_APP]

    # -- reading --------------------------------------------------------------------------
    def person(self, user_id: str) -> dict | None:
        return self.api.users.get(user_id)

    def people(self) -> list[dict]:
        return sorted(
            self.api.users.values(), key=lambda u: (u["profile"].get("lastName") or "").lower()
        )

    def groups(self) -> list[dict]:
        return sorted(self.api.groups.values(), key=lambda g: g["profile"]["name"].lower())

    def members(self, group_id: str) -> list[dict]:
        return [
            self.api.users[uid]
            for uid in self.api.group_members.get(group_id, [])
            if uid in self.api.users
        ]

    def assigned(self, app: str) -> set[str]:
        """Everyone the app is assigned to: directly or through a group."""
        people = set(self.assigned_people[app])
        for group_id in self.assigned_groups[app]:
            people |= set(self.api.group_members.get(group_id, []))
        return {uid for uid in people if uid in self.api.users}

    def claims(self, user: dict) -> dict:
        """The ID token's claims for ``user`` (scopes openid, profile, email)."""
        profile = user["profile"]
        return {
            "sub": user["id"],
            "email": profile.get("email") or "",
            "email_verified": True,
            "name": profile.get("displayName") or "",
            "given_name": profile.get("firstName") or "",
            "family_name": profile.get("lastName") or "",
            "preferred_username": profile.get("login") or "",
            "locale": "en-US",
        }

    # -- the directory --------------------------------------------------------------------
    def add_person(self, **profile) -> dict:
        with self.lock:
            user_id = "00u" + secrets.token_hex(9)[:17]
            user = seed.okta_person(user_id, **{k: v for k, v in profile.items() if v is not None})
            self.api.users[user_id] = user
            return user

    def edit_person(self, user_id: str, changes: dict) -> list:
        with self.lock:
            user = self.api.users[user_id]
            user["profile"].update({k: v for k, v in changes.items() if k in PROFILE_FIELDS})
            first, last = user["profile"].get("firstName", ""), user["profile"].get("lastName", "")
            user["profile"]["displayName"] = f"{first} {last}".strip()
            if user_id not in self.assigned(PROVISIONING_APP):
                return []
            return self.engine.update_profile(user)

    def set_status(self, user_id: str, status: str) -> list:
        """Okta's lifecycle: deactivation deprovisions, suspension sends nothing, and an
        active person again is reactivated in the apps they are still assigned to."""
        with self.lock:
            user = self.api.users[user_id]
            before, user["status"] = user["status"], status
            if user_id not in self.assigned(PROVISIONING_APP) or before == status:
                return []
            if status == "DEPROVISIONED":
                return self.engine.deprovision(user)
            if status == "ACTIVE":
                return self._provision_or_reactivate(user)
            return []

    def delete_person(self, user_id: str) -> None:
        """Deleting in Okta sends nothing (okta-scim.md section 3.7): the person just
        disappears from every listing, which only the pull sync notices."""
        with self.lock:
            self.api.delete_user(user_id)
            for listing in self.assigned_people.values():
                if user_id in listing:
                    listing.remove(user_id)
            self.refresh()

    def add_group(self, name: str, description: str = "") -> dict:
        with self.lock:
            group_id = "00g" + secrets.token_hex(9)[:17]
            self.api.groups[group_id] = seed.okta_group(group_id, name, description)
            self.api.group_members[group_id] = []
            return self.api.groups[group_id]

    def rename_group(self, group_id: str, name: str) -> list:
        with self.lock:
            group = self.api.groups[group_id]
            group["profile"]["name"] = name
            return self.engine.rename_group(group, self.members(group_id))

    def set_group_members(self, group_id: str, user_ids: list[str]) -> list:
        with self.lock:
            scope_before = self.assigned(PROVISIONING_APP)
            before = set(self.api.group_members.get(group_id, []))
            self.api.group_members[group_id] = [uid for uid in user_ids if uid in self.api.users]
            self.refresh()
            exchanges = self._follow_scope(scope_before)
            after = set(self.api.group_members[group_id])
            group = self.api.groups[group_id]
            added = [self.api.users[uid] for uid in after - before]
            removed = [self.api.users[uid] for uid in before - after if uid in self.api.users]
            return exchanges + self.engine.membership_changed(
                group, added, removed, self.members(group_id)
            )

    # -- assignments ----------------------------------------------------------------------
    def assign(self, app: str, *, user_id: str | None = None, group_id: str | None = None) -> list:
        with self.lock:
            scope_before = self.assigned(PROVISIONING_APP)
            listing, value = self._assignment(app, user_id, group_id)
            if value not in listing:
                listing.append(value)
            self.refresh()
            return self._follow_scope(scope_before)

    def unassign(
        self, app: str, *, user_id: str | None = None, group_id: str | None = None
    ) -> list:
        with self.lock:
            scope_before = self.assigned(PROVISIONING_APP)
            listing, value = self._assignment(app, user_id, group_id)
            if value in listing:
                listing.remove(value)
            self.refresh()
            return self._follow_scope(scope_before)

    def _assignment(self, app, user_id, group_id) -> tuple[list, str]:
        if user_id is not None:
            return self.assigned_people[app], user_id
        return self.assigned_groups[app], group_id

    def refresh(self) -> None:
        """The app users the API lists, from the assignments (after a load too)."""
        for app in APP_LABELS:
            self.api.app_users[app] = sorted(self.assigned(app))

    def _follow_scope(self, before: set[str]) -> list:
        """Provision who came into the SCIM app's scope, deprovision who left it."""
        after = self.assigned(PROVISIONING_APP)
        exchanges = []
        for uid in sorted(after - before):
            if self.api.users[uid]["status"] == "ACTIVE":
                exchanges += self._provision_or_reactivate(self.api.users[uid])
        for uid in sorted(before - after):
            if uid in self.api.users:
                exchanges += self.engine.deprovision(self.api.users[uid])
        return exchanges

    def _provision_or_reactivate(self, user: dict) -> list:
        if self.engine.user_states.get(user["id"]) == "provisioned":
            return []
        return self.engine.provision(user)

    # -- Push Groups ----------------------------------------------------------------------
    def push_group(self, group_id: str) -> list:
        with self.lock:
            return self.engine.push_group(self.api.groups[group_id], self.members(group_id))

    def push_now(self, group_id: str) -> list:
        with self.lock:
            return self.engine.push_now(self.api.groups[group_id], self.members(group_id))

    def unlink_group(self, group_id: str, delete: bool) -> list:
        with self.lock:
            return self.engine.unlink_group(self.api.groups[group_id], delete)
