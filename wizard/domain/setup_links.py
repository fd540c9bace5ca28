"""Setup links: an EnterpriseAdmin hands their IT person a link that opens the wizard's
Okta steps (2-7) for one organization, for a limited time, and nothing else."""

from datetime import timedelta

from flask import current_app, session

from ..models import Organization, SetupLink, utcnow
from ..permissions import Action, member_may
from ..security import new_token, token_digest

DEFAULT_LIFETIME = timedelta(days=7)
STEPS = ("apps", "sso", "credentials", "settings", "assign", "push")
SESSION_KEY = "setup_link"
# A signed-in visitor is asked before the link replaces their session; until they
# answer, the link waits here (its id, not its token, which stays out of the page).
PENDING_KEY = "setup_link_pending"


def create(
    organization: Organization, created_by, label: str = "", lifetime: timedelta = DEFAULT_LIFETIME
) -> tuple[SetupLink, str]:
    token = new_token("okcl_", 24)
    link = SetupLink.create(
        organization=organization,
        digest=token_digest(token),
        label=label.strip()[:120],
        created_by=created_by,
        expires_at=utcnow() + lifetime,
    )
    return link, f"{current_app.config['PUBLIC_BASE_URL']}/setup/{token}"


def valid(link: SetupLink | None) -> bool:
    return (
        link is not None
        and link.revoked_at is None
        and link.expires_at > utcnow()
        and creator_may_lend(link)
    )


def creator_may_lend(link: SetupLink) -> bool:
    """A link lends its creator's EnterpriseAdmin powers (SSO settings, the first SCIM
    token), so it works only while they may still make links: demoted, deactivated or
    gone, their links end with them."""
    creator = link.created_by
    return (
        creator is not None
        and creator.active
        and creator.organization_id == link.organization_id
        and member_may(creator, Action.MANAGE_SETUP_LINKS)
    )


def find(token: str) -> SetupLink | None:
    link = SetupLink.get_or_none(SetupLink.digest == token_digest(token or ""))
    return link if valid(link) else None


def from_session() -> SetupLink | None:
    link_id = session.get(SESSION_KEY)
    link = SetupLink.get_or_none(SetupLink.id == link_id) if link_id else None
    return link if valid(link) else None


def hold_pending(link: SetupLink) -> None:
    session[PENDING_KEY] = link.id


def pending() -> SetupLink | None:
    """The link this browser was asked about, while it is still valid."""
    link_id = session.get(PENDING_KEY)
    link = SetupLink.get_or_none(SetupLink.id == link_id) if link_id else None
    return link if valid(link) else None


def note_use(link: SetupLink) -> None:
    SetupLink.update(uses=SetupLink.uses + 1, last_used_at=utcnow()).where(
        SetupLink.id == link.id
    ).execute()


def revoke(link: SetupLink) -> None:
    SetupLink.update(revoked_at=utcnow()).where(SetupLink.id == link.id).execute()


def revoke_all(organization: Organization) -> int:
    return (
        SetupLink.update(revoked_at=utcnow())
        .where((SetupLink.organization == organization) & SetupLink.revoked_at.is_null())
        .execute()
    )


def remove_expired(now) -> int:
    """Scheduler housekeeping: links past their end (or revoked a day ago) are deleted."""
    return (
        SetupLink.delete()
        .where((SetupLink.expires_at < now) | (SetupLink.revoked_at < now - timedelta(days=1)))
        .execute()
    )
