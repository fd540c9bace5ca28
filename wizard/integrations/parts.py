"""The state of each part of the Okta connection, as Integrations > Okta shows it: not
set up, set up, healthy or errors, with the last event and the next thing to do.

Plain functions of the organization and its connection (no request), one per part, so
the Overview card, the tab strip and each tab agree, and tests call them directly.
Each part stands alone: SSO only, SCIM only or the pull sync only are whole setups."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ..connect import live
from ..domain import connections
from ..domain import email_domains as domains
from ..domain.sources import Source
from ..models import (
    AuditEvent,
    DetailMapping,
    FailedMigration,
    Group,
    OktaConnection,
    Organization,
    RoleMapping,
    ScimEvent,
    SetupLink,
    SyncRun,
    utcnow,
)
from ..scim import request_log

RECENT = timedelta(hours=24)


class State(StrEnum):
    NOT_SET_UP = "not_set_up"
    SET_UP = "set_up"
    HEALTHY = "healthy"
    ERRORS = "errors"

    @property
    def label(self) -> str:
        return {
            "not_set_up": "Not set up",
            "set_up": "Set up",
            "healthy": "Healthy",
            "errors": "Errors",
        }[self.value]


@dataclass(frozen=True)
class Part:
    """One tab's state. ``action`` is (label, endpoint) of the next thing to do, or None."""

    tab: str
    state: State
    summary: str
    last_event: str = ""
    action: tuple[str, str] | None = None


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _latest_event(organization: Organization, actions: tuple[str, ...]) -> AuditEvent | None:
    return (
        AuditEvent.select()
        .where((AuditEvent.organization == organization) & AuditEvent.action.in_(actions))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .first()
    )


SIGN_IN_EVENTS = ("auth.sign_in", "sso.sign_in_refused", "sso.test_sign_in")
SIGN_IN_LABELS = {
    "auth.sign_in": "Okta sign-in",
    "sso.sign_in_refused": "Okta sign-in refused",
    "sso.test_sign_in": "Test sign-in",
}


def sso_part(organization: Organization, connection: OktaConnection | None) -> Part:
    live_sso = connection.live_sso if connection else None
    pending = connection.pending_sso if connection else None
    if live_sso is None and pending is None:
        return Part("sso", State.NOT_SET_UP, "Nobody signs in with Okta.", action=SET_UP_SSO)
    event = _latest_event(organization, SIGN_IN_EVENTS)
    last = f"{SIGN_IN_LABELS[event.action]} {when(event.created_at)}" if event else ""
    if live_sso is None:
        summary = f"Saved, not live yet: issuer {pending.issuer}."
        return Part(
            "sso", State.SET_UP, summary, last, ("Run the test sign-in", "integrations.sso")
        )
    if not domains.verified_domains(organization):
        summary = f"Live (issuer {live_sso.issuer}); no verified email domain routes sign-ins."
        return Part("sso", State.SET_UP, summary, last, VERIFY_DOMAIN)
    if event is not None and event.action == "sso.sign_in_refused":
        summary = "The last Okta sign-in was refused: see the audit log for the reason."
        return Part(
            "sso", State.ERRORS, summary, last, ("See sign-in settings", "integrations.sso")
        )
    summary = f"Live: issuer {live_sso.issuer}"
    summary += ", required for everyone." if connection.sign_in_policy.sso_enforced else "."
    action = ("Test a pending change", "integrations.sso") if pending else None
    return Part("sso", State.HEALTHY, summary, last, action)


SET_UP_SSO = ("Set up single sign-on", "integrations.sso")
VERIFY_DOMAIN = ("Verify an email domain", "integrations.domains_page")


def scim_part(connection: OktaConnection | None) -> Part:
    if connection is None or not connections.ever_had_a_token(connection):
        summary = "No SCIM token yet: Okta cannot provision."
        return Part("scim", State.NOT_SET_UP, summary, action=CREATE_TOKEN)
    if not connections.live_tokens(connection).exists():
        summary = "Every SCIM token was revoked: Okta's requests are refused."
        return Part("scim", State.ERRORS, summary, action=CREATE_TOKEN)
    request_log.flush()  # this process's queued requests count too
    latest = (
        ScimEvent.select()
        .where(ScimEvent.connection == connection)
        .order_by(ScimEvent.id.desc())
        .first()
    )
    last = f"{latest.method} {latest.status} {when(latest.created_at)}" if latest else ""
    status = live.provisioning_status(connection)
    if not status["verified"]:
        summary = "Token made; Okta has not called yet (Test API Credentials in Okta)."
        if status["failed_at"]:
            summary = "Okta called with a token we do not recognise: paste the current one."
            return Part("scim", State.ERRORS, summary, last, OPEN_SCIM)
        return Part("scim", State.SET_UP, summary, last, OPEN_SCIM)
    since = utcnow() - RECENT
    recent = ScimEvent.select().where(
        (ScimEvent.connection == connection) & (ScimEvent.created_at >= since)
    )
    errors = recent.where(ScimEvent.status >= 400).count()
    if errors or status["failed_at"]:
        summary = f"{errors} SCIM request(s) failed in the last 24 h."
        if status["failed_at"]:
            summary += " Okta also called with an unknown token."
        return Part(
            "scim", State.ERRORS, summary, last, ("Open the request log", "integrations.scim_log")
        )
    users = live.received_users(connection)["count"]
    summary = f"Okta is provisioning: {users} user(s) so far, no error in the last 24 h."
    return Part("scim", State.HEALTHY, summary, last)


CREATE_TOKEN = ("Create the SCIM token", "integrations.scim")
OPEN_SCIM = ("See what to paste into Okta", "integrations.scim")


def api_part(connection: OktaConnection | None) -> Part:
    if connection is None or not connection.api.connected:
        summary = "Not connected: no pull sync, no list of Okta apps."
        return Part("api", State.NOT_SET_UP, summary, action=CONNECT_API)
    run = (
        SyncRun.select()
        .where(SyncRun.organization == connection.organization)
        .order_by(SyncRun.id.desc())
        .first()
    )
    last = f"Sync {run.status} {when(run.finished_at or run.queued_at)}" if run else ""
    if not (connection.api.last_check or {}).get("ok"):
        summary = "The last Test connection found problems."
        return Part("api", State.ERRORS, summary, last, ("Fix the connection", "integrations.api"))
    if run is not None and run.status == "failed":
        summary = f"The last sync failed: {run.error or 'see the history'}"
        return Part("api", State.ERRORS, summary, last, ("See the sync", "integrations.sync_page"))
    schedule = connection.sync_settings
    summary = f"Connected; daily sync at {schedule.daily_at}"
    summary += " (auto sync paused)" if schedule.paused_at else ""
    if run is None or run.status != "succeeded":
        summary += ", no run finished yet."
        return Part("api", State.SET_UP, summary, last, ("Sync now", "integrations.sync_page"))
    return Part("api", State.HEALTHY, summary + ".", last)


CONNECT_API = ("Connect the Okta API", "integrations.api")


def roles_part(organization: Organization) -> Part:
    mappings = RoleMapping.select().where(RoleMapping.organization == organization)
    count = mappings.count()
    detached = mappings.where(RoleMapping.group.is_null()).count()
    groups = Group.select().where(
        (Group.organization == organization) & (Group.managed_by.in_((Source.SCIM, Source.SYNC)))
    )
    latest = mappings.order_by(RoleMapping.updated_at.desc()).first()
    last = f"Saved {when(latest.updated_at)}" if latest else ""
    if detached:
        summary = f"{detached} mapping(s) lost their Okta group and give nothing now."
        return Part("roles", State.ERRORS, summary, last, REVIEW_MAPPINGS)
    if not count:
        if not groups.exists():
            summary = "No Okta groups yet: push groups (SCIM) or run a sync."
            return Part("roles", State.NOT_SET_UP, summary)
        summary = f"{groups.count()} Okta group(s) here, none mapped to roles."
        return Part(
            "roles", State.NOT_SET_UP, summary, action=("Add mapping", "integrations.roles")
        )
    return Part("roles", State.SET_UP, f"{count} group(s) mapped to roles.", last)


REVIEW_MAPPINGS = ("Review role mappings", "integrations.roles")


def details_part(organization: Organization) -> Part:
    count = DetailMapping.select().where(DetailMapping.organization == organization).count()
    if not count:
        return Part(
            "details",
            State.NOT_SET_UP,
            "No member detail comes from Okta profile properties.",
            action=("Map user details", "integrations.details"),
        )
    event = _latest_event(organization, ("mapping.details_saved",))
    last = f"Saved {when(event.created_at)}" if event else ""
    return Part("details", State.SET_UP, f"{count} member detail(s) mapped.", last)


def failures_part(organization: Organization) -> Part:
    open_rows = FailedMigration.select().where(
        (FailedMigration.organization == organization) & (FailedMigration.status == "open")
    )
    latest = open_rows.order_by(FailedMigration.last_seen.desc()).first()
    if latest is None:
        return Part("failures", State.HEALTHY, "No open failed migration.")
    summary = f"{open_rows.count()} open failed migration(s)."
    last = f"{latest.reason.replace('_', ' ')}: {latest.user_name or latest.display_name}"
    last += f" {when(latest.last_seen)}"
    return Part("failures", State.ERRORS, summary, last, ("Review them", "integrations.failures"))


def setup_links_part(organization: Organization) -> Part:
    links = SetupLink.select().where(
        (SetupLink.organization == organization)
        & SetupLink.revoked_at.is_null()
        & (SetupLink.expires_at > utcnow())
    )
    used = links.where(SetupLink.last_used_at.is_null(False))
    latest = used.order_by(SetupLink.last_used_at.desc()).first()
    last = f"Used {when(latest.last_used_at)}" if latest else ""
    if not links.exists():
        return Part("setup_links", State.NOT_SET_UP, "No setup link is open.")
    return Part("setup_links", State.SET_UP, f"{links.count()} setup link(s) open.", last)


def disconnect_part(connection: OktaConnection | None) -> Part:
    if connection is None:
        return Part("disconnect", State.NOT_SET_UP, "Nothing to disconnect.")
    if connection.status == "disconnected":
        return Part("disconnect", State.NOT_SET_UP, "Disconnected: history is kept.")
    since = when(connection.created_at)
    return Part("disconnect", State.SET_UP, f"Connected since {since}.")


def all_parts(organization: Organization, connection: OktaConnection | None) -> dict[str, Part]:
    parts = [
        sso_part(organization, connection),
        scim_part(connection),
        api_part(connection),
        roles_part(organization),
        details_part(organization),
        failures_part(organization),
        setup_links_part(organization),
        disconnect_part(connection),
    ]
    return {part.tab: part for part in parts}
