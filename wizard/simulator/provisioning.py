"""Okta's provisioning engine for the simulated SCIM app: what each admin action sends,
in Okta's documented sequences (okta-scim.md sections 3.8 and 4, and the recorded
sequences in tests/fixtures/okta_sequences.json).

- Assign: ``GET /Users?filter=userName eq`` first; no match -> ``POST /Users``; a match
  is linked (its id kept) and gets the profile by ``GET`` + ``PUT``; someone linked
  before (unassigned, deactivated) is reactivated with the same id.
- Unassign, deactivate: ``PATCH`` ``{"active": false}`` without a path.
- Profile edit: ``GET /Users/{id}`` then ``PUT`` of that body with Okta's changes.
- Push Groups: ``POST /Groups`` (or a link to a group of that name), then the members;
  membership changes as one ``remove`` with a filter path per member and one ``add``;
  after each, the path-less replace of ``id`` + ``displayName``; Push Now replaces all.
- "PUT for everything" (apps made with the App Integration Wizard): ``PUT`` instead of
  every ``PATCH``, groups with their whole member list.
"""

import threading
from dataclasses import dataclass, fields

from . import scim_bodies as bodies
from .scim_client import Exchange, ScimTransport

LOG_KEPT = 300


@dataclass
class ProvisioningSettings:
    """The SCIM app's settings an admin sets in Okta (Provisioning and Sign On tabs)."""

    base_url: str = ""
    token: str = ""
    auth_mode: str = "bearer"  # scim_client.AUTH_MODES
    username: str = ""  # Basic Auth's user name
    create_users: bool = True
    update_attributes: bool = True
    deactivate_users: bool = True
    sync_password: bool = False
    profile_sourcing: bool = False
    username_format: str = "email"
    put_for_everything: bool = False  # an App Integration Wizard app (section 1)

    def update(self, values: dict) -> None:
        for item in fields(self):
            if item.name in values:
                setattr(self, item.name, values[item.name])


class ProvisioningEngine:
    def __init__(self):
        self.settings = ProvisioningSettings()
        self.user_links: dict[str, str] = {}  # Okta user id -> our SCIM id
        self.user_states: dict[str, str] = {}  # Okta user id -> provisioned | deactivated | error
        self.user_errors: dict[str, str] = {}
        self.group_links: dict[str, str] = {}  # Okta group id -> our SCIM group id
        self.log: list[dict] = []  # newest first
        self.lock = threading.RLock()

    @property
    def configured(self) -> bool:
        return bool(self.settings.base_url and self.settings.token)

    def _send(self, action: str, method: str, path: str, body=None) -> Exchange:
        settings = self.settings
        transport = ScimTransport(
            settings.base_url, settings.token, settings.auth_mode, settings.username
        )
        exchange = transport.send(action, method, path, body)
        with self.lock:
            self.log.insert(0, exchange.to_dict())
            del self.log[LOG_KEPT:]
        return exchange

    # -- users --------------------------------------------------------------------------
    def test_credentials(self) -> list[Exchange]:
        """What Okta sends on "Test Connector Configuration" (section 3.1)."""
        action = "Test Connector Configuration"
        return [
            self._send(action, "GET", "/Users?startIndex=1&count=2"),
            self._send(action, "GET", "/Groups?startIndex=1&count=100"),
        ]

    def provision(self, user: dict) -> list[Exchange]:
        if not self.settings.create_users or not self.configured:
            return []
        if user["id"] in self.user_links:
            return self.set_active(user, True)
        action = f"Assign {_label(user)}"
        name = bodies.user_name(user["profile"], self.settings.username_format)
        found = self._send(action, "GET", "/Users?" + bodies.eq_filter("userName", name))
        if not found.ok:
            return self._failed(user, [found])
        existing = (found.response_body or {}).get("Resources") or []
        if existing:  # Okta links the account it found and sends its profile
            self.user_links[user["id"]] = existing[0]["id"]
            return [found, *self._put_profile(user, action, force=True)]
        created = self._send(
            action, "POST", "/Users", bodies.user_body(user, self.settings.username_format)
        )
        if created.status != 201:
            return self._failed(user, [found, created])
        self.user_links[user["id"]] = created.response_body["id"]
        self._state(user, "provisioned")
        return [found, created]

    def deprovision(self, user: dict) -> list[Exchange]:
        """Unassigned from the app, or deactivated in Okta (suspension sends nothing)."""
        if not self.settings.deactivate_users or user["id"] not in self.user_links:
            return []
        return self.set_active(user, False)

    def set_active(self, user: dict, active: bool) -> list[Exchange]:
        scim_id = self.user_links[user["id"]]
        action = f"{'Reactivate' if active else 'Deactivate'} {_label(user)}"
        if self.settings.put_for_everything:
            exchanges = self._put_profile(user, action, force=True, active=active)
        else:
            exchanges = [
                self._send(action, "PATCH", f"/Users/{scim_id}", bodies.active_patch(active))
            ]
        if all(exchange.ok for exchange in exchanges):
            self._state(user, "provisioned" if active else "deactivated")
        else:
            self._failed(user, exchanges)
        return exchanges

    def update_profile(self, user: dict) -> list[Exchange]:
        """Okta pushes profile edits unless Update User Attributes is off or the app is
        the profile source (Profile Sourcing: the app's data wins, nothing is pushed)."""
        settings = self.settings
        if not settings.update_attributes or settings.profile_sourcing:
            return []
        if self.user_states.get(user["id"]) != "provisioned":
            return []
        return self._put_profile(user, f"Update {_label(user)}")

    def _put_profile(self, user, action, *, force=False, active=None) -> list[Exchange]:
        if not force and not self.settings.update_attributes:
            return []
        path = f"/Users/{self.user_links[user['id']]}"
        current = self._send(action, "GET", path)
        if current.status != 200:
            return self._failed(user, [current])
        body = bodies.updated_user(
            current.response_body,
            user,
            self.settings.username_format,
            sync_password=self.settings.sync_password,
        )
        if active is not None:
            body["active"] = active
        put = self._send(action, "PUT", path, body)
        if put.ok:
            self._state(user, "provisioned" if body.get("active", True) else "deactivated")
            return [current, put]
        return self._failed(user, [current, put])

    def _state(self, user: dict, state: str) -> None:
        self.user_states[user["id"]] = state
        self.user_errors.pop(user["id"], None)

    def _failed(self, user: dict, exchanges: list[Exchange]) -> list[Exchange]:
        last = exchanges[-1]
        detail = last.error or (last.response_body or {}).get("detail", "")
        if isinstance(last.response_body, dict):
            detail = last.response_body.get("detail") or detail
        self.user_states[user["id"]] = "error"
        self.user_errors[user["id"]] = f"{last.status or ''} {detail}".strip()
        return exchanges

    # -- groups -------------------------------------------------------------------------
    def scim_members(self, users: list[dict]) -> list[dict]:
        """The group's members Okta may push: provisioned to the app (section 4)."""
        return [
            {"value": self.user_links[user["id"]], "display": user["profile"].get("login", "")}
            for user in users
            if self.user_states.get(user["id"]) == "provisioned"
        ]

    def push_group(self, group: dict, members: list[dict]) -> list[Exchange]:
        if not self.configured:
            return []
        if group["id"] in self.group_links:
            return self.push_now(group, members)
        name, action = group["profile"]["name"], f"Push group {group['profile']['name']}"
        found = self._send(action, "GET", "/Groups?" + bodies.eq_filter("displayName", name))
        existing = (found.response_body or {}).get("Resources") or [] if found.ok else []
        if existing:  # "Link Group": the app already has a group of that name
            self.group_links[group["id"]] = existing[0]["id"]
            return [found, *self.push_now(group, members)]
        created = self._send(action, "POST", "/Groups", bodies.group_body(name, []))
        if created.status != 201:
            return [found, created]
        self.group_links[group["id"]] = created.response_body["id"]
        added = self.scim_members(members)
        if not added:
            return [found, created]
        return [found, created, *self._membership(group, action, added, [], members)]

    def push_now(self, group: dict, members: list[dict]) -> list[Exchange]:
        """A full overwrite of the group's membership (section 4.4)."""
        action = f"Push Now {group['profile']['name']}"
        scim_id = self.group_links[group["id"]]
        if self.settings.put_for_everything:
            return [self._put_group(group, action, members)]
        replace = bodies.members_replace(self.scim_members(members))
        return [
            self._send(action, "PATCH", f"/Groups/{scim_id}", replace),
            self._echo(group, action),
        ]

    def membership_changed(self, group, added: list[dict], removed: list[dict], members):
        if group["id"] not in self.group_links:
            return []
        action = f"Update group {group['profile']['name']}"
        removed_ids = [self.user_links[u["id"]] for u in removed if u["id"] in self.user_links]
        added_members = self.scim_members(added)
        if not added_members and not removed_ids:
            return []
        return self._membership(group, action, added_members, removed_ids, members)

    def _membership(self, group, action, added, removed_ids, members) -> list[Exchange]:
        if self.settings.put_for_everything:
            return [self._put_group(group, action, members)]
        scim_id = self.group_links[group["id"]]
        patch = bodies.membership_patch(added, removed_ids)
        return [
            self._send(action, "PATCH", f"/Groups/{scim_id}", patch),
            self._echo(group, action),
        ]

    def rename_group(self, group: dict, members: list[dict]) -> list[Exchange]:
        if group["id"] not in self.group_links:
            return []
        action = f"Rename group to {group['profile']['name']}"
        if self.settings.put_for_everything:
            return [self._put_group(group, action, members)]
        return [self._echo(group, action)]

    def unlink_group(self, group: dict, delete: bool) -> list[Exchange]:
        """Unlink pushed group: "Delete the group in the target app" sends DELETE,
        "Leave the group" sends nothing (section 4.7)."""
        scim_id = self.group_links.pop(group["id"], None)
        if scim_id is None or not delete:
            return []
        return [
            self._send(f"Unlink group {group['profile']['name']}", "DELETE", f"/Groups/{scim_id}")
        ]

    def _echo(self, group: dict, action: str) -> Exchange:
        scim_id = self.group_links[group["id"]]
        body = bodies.rename_patch(scim_id, group["profile"]["name"])
        return self._send(action, "PATCH", f"/Groups/{scim_id}", body)

    def _put_group(self, group: dict, action: str, members: list[dict]) -> Exchange:
        body = bodies.group_body(group["profile"]["name"], self.scim_members(members))
        return self._send(action, "PUT", f"/Groups/{self.group_links[group['id']]}", body)

    # -- import -------------------------------------------------------------------------
    def import_now(self, max_pages: int = 50) -> list[Exchange]:
        """Import: pages of 100 until ``totalResults`` (section 3.9), then the groups."""
        exchanges = []
        for page in range(max_pages):
            start = 1 + page * 100
            exchange = self._send("Import Now", "GET", f"/Users?startIndex={start}&count=100")
            exchanges.append(exchange)
            total = (exchange.response_body or {}).get("totalResults", 0) if exchange.ok else 0
            if not exchange.ok or start + 100 > total:
                break
        exchanges.append(self._send("Import Now", "GET", "/Groups?startIndex=1&count=100"))
        return exchanges


def _label(user: dict) -> str:
    profile = user["profile"]
    return f"{profile.get('firstName', '')} {profile.get('lastName', '')}".strip() or user["id"]
