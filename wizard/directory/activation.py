"""A member active or not: Okta's (de)activation, one decided here (a disconnect, the
demo's reset), SCIM's DELETE (hidden, never deleted); every write moves the version."""

from ..domain import audit, failures, session_records
from ..domain.session_records import SessionEnd
from ..models import Member, utcnow
from ..prepared import save_changed
from .rules import ensure_seat, protected, require_enterprise


def set_active(member: Member, active: bool, *, actor_label: str) -> bool:
    """Okta deactivates (ends the member's sessions) or reactivates (needs a seat)."""
    require_enterprise(member.organization)
    if member.keep_local:
        raise protected(member)
    return _change_active(member, active, actor_label=actor_label)


def set_active_here(member: Member, active: bool, *, actor=None, actor_label=None, why="") -> bool:
    """(De)activate by a decision taken here, not by Okta (an admin disconnecting Okta,
    the demo's reset): Okta's gates (the enterprise feature, keep local) do not apply,
    the rule does: sessions end, a reactivation needs a seat, the version moves and the
    timeline says who and why."""
    details = {"why": why} if why else None
    return _change_active(member, active, actor=actor, actor_label=actor_label, details=details)


def _change_active(member: Member, active: bool, **audited) -> bool:
    if member.active == active:
        return False
    apply_active(member, active)
    touch(member)
    audit.record(
        "member.activated" if active else "member.deactivated",
        organization=member.organization,
        target=member,
        **audited,
    )
    return True


def hide_member(member: Member, *, actor_label: str) -> None:
    """SCIM DELETE: deactivate and hide from SCIM; the row and its history stay."""
    if member.keep_local:
        raise protected(member)
    if member.active:
        apply_active(member, False)
    member.scim_hidden = True
    touch(member)
    # Okta's last word on this user: an older refused change must not be retried on them.
    failures.resolve_for_user(member.organization, member.user_name, note="deleted in Okta")
    audit.record(
        "member.deleted_in_okta",
        organization=member.organization,
        actor_label=actor_label,
        target=member,
    )


def apply_active(member: Member, active: bool) -> None:
    """The flag, the deactivation time and the member's sessions; the caller touches."""
    if active:
        ensure_seat(member.organization)
        member.active, member.deactivated_at = True, None
    else:
        member.active, member.deactivated_at = False, utcnow()
        member.session_version += 1  # refuses every open session on its next request
        session_records.end_all(member, SessionEnd.ENDED_EVERYWHERE)  # and ends the records


def touch(member: Member) -> None:
    """A new version and ``lastModified``, saved."""
    member.version += 1
    member.updated_at = utcnow()
    save_changed(member)
