"""Whose people the sync reads: the users assigned to one Okta app ("Sync the people
assigned to"), or, with none picked, the members of the Okta groups role mappings name.
With neither, a run would read nobody, create nobody, and count everyone it synced
before as gone: so the only candidate app is picked by itself, and otherwise the run is
refused with a sentence that says what to pick (seed 000's "Test connection, then sync")."""

from ..domain.sources import Source
from ..models import Group, OktaConnection, RoleMapping
from .okta_api import OktaApiError

WHERE = "Okta API & sync > Connection, 'Sync the people assigned to'"


def candidate_apps(connection: OktaConnection) -> list[dict]:
    """The apps the last Test connection listed (Okta's own are left out there)."""
    return list((connection.api.last_check or {}).get("apps", []))


def _has_mappings(connection: OktaConnection) -> bool:
    return RoleMapping.select().where(RoleMapping.organization == connection.organization).exists()


def settle(connection: OktaConnection) -> dict | None:
    """Make sure a run knows whose people to read. Returns the app picked now, if one
    was (the only candidate); raises ``OktaApiError`` (kind ``no_scope``) when there is
    no way to tell."""
    if connection.sync_settings.app_id or _has_mappings(connection):
        return None
    apps = candidate_apps(connection)
    if len(apps) == 1:
        connection.sync_settings.app_id = apps[0]["id"]
        connection.save()
        return apps[0]
    raise OktaApiError("no_scope", refusal(apps, _has_okta_groups(connection)))


def pick_only_candidate(connection: OktaConnection) -> dict | None:
    """After a passing Test connection: the only candidate app, picked if none was."""
    if connection.sync_settings.app_id or len(candidate_apps(connection)) != 1:
        return None
    return settle(connection)


def _has_okta_groups(connection: OktaConnection) -> bool:
    return (
        Group.select()
        .where(
            (Group.organization == connection.organization)
            & Group.managed_by.in_((Source.SCIM, Source.SYNC))
        )
        .exists()
    )


def refusal(apps: list[dict], groups_here: bool = False) -> str:
    if not apps:
        return (
            "No Okta app to sync the people of: Test connection found none. Assign people to "
            f"your Okta app, test the connection again, then pick it under {WHERE}."
        )
    names = ", ".join(app["label"] for app in apps[:5]) + (", …" if len(apps) > 5 else "")
    text = f"Pick whose people to sync under {WHERE}: Okta has {len(apps)} apps ({names})."
    if groups_here:
        text += " Or map an Okta group to roles (Role mapping): its members are synced then."
    return text
