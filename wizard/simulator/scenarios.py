"""Scenarios: one click breaks the simulated Okta the way real tenants break, and a
second click puts it back. Each says what our product does about it (the tests in
tests/test_simulator_scenarios.py prove each reaction).

A scenario is a switch on the simulated org (``world.scenarios`` holds the ones on) or
an action that sends what Okta would (its requests are returned, like the console's)."""

from collections.abc import Callable
from dataclasses import dataclass

from .service_apps import SERVICE_CLIENT_ID
from .world import PROVISIONING_APP, SimulatedOkta

RATE_LIMIT_EVERY = 2  # every second API call answers 429 (reset in one second)
SKEW_SECONDS = -600  # Okta's clock ten minutes behind: tokens expired on arrival
OTHER_AUDIENCE = "0oasim0another0app99"
SEASONAL = "Seasonal staff"
SEASONAL_MAX = 100  # people the seats scenario adds at most
MISSING_SCOPE = "okta.groups.read"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    what: str  # what changes in Okta
    reaction: str  # what our product does
    apply: Callable[[SimulatedOkta], list]
    undo: Callable[[SimulatedOkta], list]


def _switch(attribute_path: str, on_value, off_value):
    """A scenario that sets one attribute (``api.rate_limit_every``) and puts it back."""
    *owners, name = attribute_path.split(".")

    def target(world):
        for owner in owners:
            world = getattr(world, owner)
        return world

    def apply(world):
        setattr(target(world), name, on_value)
        return []

    def undo(world):
        setattr(target(world), name, off_value)
        return []

    return apply, undo


def _claim(name: str, value):
    def apply(world):
        world.openid.overrides[name] = value
        return []

    def undo(world):
        world.openid.overrides.pop(name, None)
        return []

    return apply, undo


def _revoke_token(world):
    world.saved["api_token"] = world.api.token
    world.api.token = "revoked-" + world.api.token[::-1]
    return []


def _restore_token(world):
    world.api.token = world.saved.pop("api_token", world.api.token)
    return []


def _drop_scope(world):
    app = world.api.oauth.apps.get(SERVICE_CLIENT_ID)
    if app is not None:
        app.scopes.discard(MISSING_SCOPE)
    return []


def _grant_scope(world):
    app = world.api.oauth.apps.get(SERVICE_CLIENT_ID)
    if app is not None:
        app.scopes.add(MISSING_SCOPE)
    return []


def _duplicate_email(world):
    """A second Okta account with an existing person's email, its username from Okta's
    login: Okta finds no such userName, so it POSTs a user whose email is taken."""
    provisioned = [
        u for u in world.people() if world.engine.user_states.get(u["id"]) == "provisioned"
    ]
    first = (provisioned or [u for u in world.people() if u["status"] == "ACTIVE"])[0]
    exchanges = [] if provisioned else world.assign(PROVISIONING_APP, user_id=first["id"])
    world.saved["username_format"] = world.engine.settings.username_format
    world.engine.settings.username_format = "okta_username"
    email = first["profile"]["email"]
    twin = world.add_person(
        firstName=first["profile"]["firstName"],
        lastName=first["profile"]["lastName"] + " (contractor)",
        email=email,
        login=email.replace("@", ".contractor@"),
        title="Contractor",
    )
    world.saved["twin"] = twin["id"]
    return exchanges + world.assign(PROVISIONING_APP, user_id=twin["id"])


def _remove_twin(world):
    twin = world.saved.pop("twin", None)
    exchanges = world.unassign(PROVISIONING_APP, user_id=twin) if twin else []
    if twin in world.api.users:
        world.api.users[twin]["status"] = "DEPROVISIONED"
        world.delete_person(twin)
    world.engine.settings.username_format = world.saved.pop("username_format", "email")
    return exchanges


def _exhaust_seats(world):
    """New people assigned ten at a time until our SCIM server refuses a seat."""
    group = world.add_group(SEASONAL, "Added by the seats scenario")
    world.saved["seasonal_group"] = group["id"]
    world.assign(PROVISIONING_APP, group_id=group["id"])
    exchanges, members = [], []
    for start in range(0, SEASONAL_MAX, 10):
        for n in range(start + 1, start + 11):
            person = world.add_person(
                firstName="Seasonal",
                lastName=f"Worker {n:03d}",
                email=f"seasonal.{n:03d}@{world.domain}",
                login=f"seasonal.{n:03d}@{world.domain}",
                department="Seasonal",
            )
            members.append(person["id"])
        exchanges += world.set_group_members(group["id"], members)
        if any(e.status == 403 for e in exchanges):
            break
    return exchanges


def _remove_seasonal(world):
    group_id = world.saved.pop("seasonal_group", None)
    if group_id is None or group_id not in world.api.groups:
        return []
    members = [u["id"] for u in world.members(group_id)]
    exchanges = world.unassign(PROVISIONING_APP, group_id=group_id)
    for user_id in members:
        world.api.users[user_id]["status"] = "DEPROVISIONED"
        world.delete_person(user_id)
    world.api.groups.pop(group_id, None)
    world.api.group_members.pop(group_id, None)
    return exchanges


def _mass_unassign(world):
    world.saved["assigned"] = {
        "people": list(world.assigned_people[PROVISIONING_APP]),
        "groups": list(world.assigned_groups[PROVISIONING_APP]),
    }
    exchanges = []
    for group_id in list(world.assigned_groups[PROVISIONING_APP]):
        exchanges += world.unassign(PROVISIONING_APP, group_id=group_id)
    for user_id in list(world.assigned_people[PROVISIONING_APP]):
        exchanges += world.unassign(PROVISIONING_APP, user_id=user_id)
    return exchanges


def _reassign(world):
    saved = world.saved.pop("assigned", {"people": [], "groups": []})
    exchanges = []
    for group_id in saved["groups"]:
        exchanges += world.assign(PROVISIONING_APP, group_id=group_id)
    for user_id in saved["people"]:
        exchanges += world.assign(PROVISIONING_APP, user_id=user_id)
    return exchanges


SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "rate_limits",
            "429 rate limits",
            "Every second call to Okta's API answers 429 Too Many Requests (E0000047), with "
            "X-Rate-Limit-Reset one second later.",
            "The sync waits until each reset and retries; the run still succeeds (more API "
            "calls on the sync page). A run that would outlast its time budget fails with "
            "the reason.",
            *_switch("api.rate_limit_every", RATE_LIMIT_EVERY, 0),
        ),
        Scenario(
            "revoked_token",
            "Expired or revoked API token",
            "The SSWS API token our product holds is revoked: Okta answers 401 E0000011.",
            "Test connection and the next sync fail with 'The API token is invalid or "
            "expired' and where to make a new one; the failed run is listed under Failed "
            "migrations > Connection errors.",
            _revoke_token,
            _restore_token,
        ),
        Scenario(
            "missing_scope",
            "A missing scope",
            f"The API Services app loses the {MISSING_SCOPE} grant.",
            "Test connection names the missing scope and where to grant it; the sync fails "
            "with the same sentence.",
            _drop_scope,
            _grant_scope,
        ),
        Scenario(
            "email_unverified",
            "email_verified: false",
            "ID tokens say the person's email is not verified.",
            "A person not linked yet is refused: 'Okta did not confirm your email "
            "address' (no account is matched by an unverified email).",
            *_claim("email_verified", False),
        ),
        Scenario(
            "wrong_audience",
            "Wrong audience",
            "ID tokens are issued for another app (aud is not our client ID).",
            "Sign-in is refused: 'We could not verify Okta's answer' (401), nobody is "
            "signed in and nothing the token says is used; the refusal is audited.",
            *_claim("aud", OTHER_AUDIENCE),
        ),
        Scenario(
            "clock_skew",
            "Clock skew",
            "Okta's clock runs ten minutes behind: its ID tokens expired before they "
            "arrive (we allow one minute either way).",
            "Sign-in is refused: 'We could not verify Okta's answer' (401). A skew within "
            "the minute we allow still signs in.",
            *_switch("openid.clock_skew", SKEW_SECONDS, 0),
        ),
        Scenario(
            "put_for_everything",
            "PUT-for-everything app",
            "The provisioning app behaves like one made with the App Integration Wizard: "
            "PUT for deactivations and for groups (with the whole member list).",
            "The same results as with PATCH: deactivations and memberships apply; a PUT "
            "without 'active' leaves it unchanged.",
            *_switch("engine.settings.put_for_everything", True, False),
        ),
        Scenario(
            "duplicate_email",
            "A duplicate email",
            "A second Okta account with an existing person's email is assigned (the "
            "username format becomes 'Okta username', so its userName is new).",
            "Our SCIM server answers 409 and records a failed migration 'Duplicate email' "
            "with the member it clashes with; nothing is overwritten.",
            _duplicate_email,
            _remove_twin,
        ),
        Scenario(
            "seats_exhausted",
            "Seats exhausted",
            f"A '{SEASONAL}' group is assigned and filled with new people, ten at a time, "
            "until our server refuses one.",
            "Our SCIM server answers 403 past the seat limit and records a failed migration "
            "'License limit' per refused person.",
            _exhaust_seats,
            _remove_seasonal,
        ),
        Scenario(
            "mass_unassignment",
            "A mass unassignment",
            "Every person and group is unassigned from the provisioning app at once.",
            "With SCIM in use, Okta deactivates each person and we apply it (nobody is "
            "deleted; reassigning reactivates them with the same id). When the pull sync "
            "provisions (no SCIM), the next sync trips the circuit breaker: it applies "
            "none of the deactivations and holds them for an admin on the sync page.",
            _mass_unassign,
            _reassign,
        ),
    )
}


def turn_on(world: SimulatedOkta, name: str) -> list:
    with world.lock:
        if name in world.scenarios:
            return []
        world.scenarios.add(name)
        return SCENARIOS[name].apply(world)


def turn_off(world: SimulatedOkta, name: str) -> list:
    with world.lock:
        if name not in world.scenarios:
            return []
        world.scenarios.discard(name)
        return SCENARIOS[name].undo(world)
