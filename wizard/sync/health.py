"""Warnings about the Okta API token before Okta revokes it (unused for 30 days). A
service app's access tokens are minted per run and last an hour: nothing lapses."""

from datetime import timedelta

from ..models import ApiAuth, OktaConnection, utcnow

IDLE_WARNING = timedelta(days=25)


def idle_warning(link: OktaConnection) -> str | None:
    if link.api.auth != ApiAuth.TOKEN or not link.api.token:
        return None
    last = link.api.last_used_at or link.api.checked_at
    if last and utcnow() - last >= IDLE_WARNING:
        return (
            "The Okta API token has not been used for 25 days or more; Okta revokes "
            "tokens unused for 30 days. Run a sync or resume the schedule."
        )
    if link.sync_settings.paused_at and utcnow() - link.sync_settings.paused_at >= IDLE_WARNING:
        return (
            "The sync has been paused for 25 days or more: the Okta API token will lapse "
            "at 30 days unused."
        )
    return None
