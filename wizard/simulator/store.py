"""Simulated Okta's org kept in one JSON file under the instance folder, so a restart of
``make run`` finds the directory, the apps and the links to what our SCIM server made
(the database keeps its side too). Development data only: the signing key and tokens
in it are the simulator's own, never a real Okta's."""

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from joserfc.jwk import RSAKey

from .openid_provider import SignInClient
from .service_apps import ServiceApp
from .world import SimulatedOkta

VERSION = 1


def to_dict(world: SimulatedOkta) -> dict:
    api, engine, openid = world.api, world.engine, world.openid
    return {
        "version": VERSION,
        "domain": world.domain,
        "api": {
            "token": api.token,
            "users": api.users,
            "groups": api.groups,
            "group_members": api.group_members,
            "apps": api.apps,
            "roles": api.roles,
            "rate_limit_every": api.rate_limit_every,
        },
        "service_apps": [
            {**asdict(app), "scopes": sorted(app.scopes)} for app in api.oauth.apps.values()
        ],
        "sign_in": {
            "clients": [asdict(client) for client in openid.clients.values()],
            "signing_key": openid.signing_key.as_dict(private=True),
            "overrides": openid.overrides,
            "clock_skew": openid.clock_skew,
        },
        "provisioning": {
            "settings": asdict(engine.settings),
            "user_links": engine.user_links,
            "user_states": engine.user_states,
            "user_errors": engine.user_errors,
            "group_links": engine.group_links,
            "log": engine.log,
        },
        "assigned_people": world.assigned_people,
        "assigned_groups": world.assigned_groups,
        "scenarios": sorted(world.scenarios),
        "saved": world.saved,
    }


def from_dict(data: dict) -> SimulatedOkta:
    world = SimulatedOkta(data["domain"], data["api"]["token"])
    api = world.api
    for name in ("users", "groups", "group_members", "apps", "roles", "rate_limit_every"):
        setattr(api, name, data["api"][name])
    for app in data["service_apps"]:
        api.oauth.apps[app["client_id"]] = ServiceApp(**{**app, "scopes": set(app["scopes"])})
    world.openid.clients = {c["client_id"]: SignInClient(**c) for c in data["sign_in"]["clients"]}
    key = RSAKey.import_key(data["sign_in"]["signing_key"])
    world.openid.keys, world.openid.signing_key = [key], key
    world.openid.overrides = data["sign_in"]["overrides"]
    world.openid.clock_skew = data["sign_in"]["clock_skew"]
    provisioning = data["provisioning"]
    world.engine.settings.update(provisioning["settings"])
    for name in ("user_links", "user_states", "user_errors", "group_links", "log"):
        setattr(world.engine, name, provisioning[name])
    world.assigned_people, world.assigned_groups = data["assigned_people"], data["assigned_groups"]
    world.scenarios, world.saved = set(data["scenarios"]), data["saved"]
    world.refresh()
    return world


def load(path: Path, domain: str) -> SimulatedOkta:
    """The org saved at ``path``, or a freshly seeded one (saved at once)."""
    if path.exists():
        data = json.loads(path.read_text())
        if data.get("version") == VERSION and data.get("domain") == domain:
            return from_dict(data)
    world = SimulatedOkta.seeded(domain)
    save(world, path)
    return world


def save(world: SimulatedOkta, path: Path) -> None:
    """Written whole to a temporary file, then renamed: a crash never leaves half a file."""
    with world.lock:
        text = json.dumps(to_dict(world), indent=1, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".simulated-okta-")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)
