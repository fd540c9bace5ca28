"""Members: create, update, (de)activate, hide; the same rules for every writer."""

import re

from ..domain import audit, failures, session_records
from ..domain.failure_reasons import FailureReason
from ..domain.roles import OrgRole
from ..domain.session_records import SessionEnd
from ..domain.sources import Source
from ..models import Member, Organization, fold, utcnow
from ..prepared import Prepared, save_changed
from . import grants
from .rules import DirectoryError, ensure_seat, require_enterprise

PROFILE_FIELDS = (
    "user_name",
    "email",
    "given_name",
    "family_name",
    "display_name",
    "title",
    "department",
    "phone_numbers",
    "employee_number",
    "manager_id",
    "external_id",
    "photo_url",
)
UNSET = object()  # "the writer did not speak about this" (PATCH, sync without roles)


# A syntax check only. Okta's own test users live at reserved domains (okta.local), which
# strict validators refuse; what matters here is one address shape, unique per org.
EMAIL_SHAPE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


def is_email(value: str) -> bool:
    return len(value) <= 254 and EMAIL_SHAPE.match(value) is not None


def validate_profile(profile: dict, *, creating: bool) -> dict:
    """Fill the email from an email-shaped userName and check what every member needs."""
    profile = dict(profile)
    if not profile.get("email") and is_email(profile.get("user_name") or ""):
        profile["email"] = profile["user_name"]
    required = ["user_name", "email"] + (["given_name", "family_name"] if creating else [])
    labels = {
        "user_name": "userName",
        "email": "a work email",
        "given_name": "name.givenName",
        "family_name": "name.familyName",
    }
    missing = [labels[field] for field in required if not (profile.get(field) or "").strip()]
    if missing:
        raise DirectoryError(
            FailureReason.INVALID_DATA,
            f"Missing {', '.join(missing)}: every member needs a userName, "
            "an email address, a first name and a last name (set them on the Okta profile).",
        )
    if not is_email(profile["email"]):
        raise DirectoryError(
            FailureReason.INVALID_DATA, f"{profile['email']!r} is not a valid email address."
        )
    return profile


_BY_USER_NAME = Prepared(
    lambda org, key: Member.select().where(
        (Member.organization == org) & (Member.user_name_key == key)
    ),
    int,
    str,
)
_BY_EMAIL = Prepared(
    lambda org, key: Member.select().where(
        (Member.organization == org) & (Member.email_key == key)
    ),
    int,
    str,
)


# A create's two checks (is the userName taken, is the email) in one round trip.
_BY_USER_NAME_OR_EMAIL = Prepared(
    lambda org, user_name_key, email_key: Member.select().where(
        (Member.organization == org)
        & ((Member.user_name_key == user_name_key) | (Member.email_key == email_key))
    ),
    int,
    str,
    str,
)


def member_by_user_name(organization: Organization, user_name: str) -> Member | None:
    return _BY_USER_NAME.first(getattr(organization, "id", organization), fold(user_name))


def member_by_email(organization: Organization, email: str) -> Member | None:
    return _BY_EMAIL.first(getattr(organization, "id", organization), fold(email))


def create_member(
    organization: Organization,
    profile: dict,
    *,
    managed_by: str,
    role=UNSET,
    active: bool = True,
    actor_label: str,
) -> Member:
    """Create a member (or revive one SCIM deleted under the same userName)."""
    require_enterprise(organization)
    profile = validate_profile(profile, creating=True)
    user_name_key, email_key = fold(profile["user_name"]), fold(profile["email"])
    found = _BY_USER_NAME_OR_EMAIL.rows(
        getattr(organization, "id", organization), user_name_key, email_key
    )
    existing = next((m for m in found if m.user_name_key == user_name_key), None)
    email_owner = next((m for m in found if m.email_key == email_key), None)
    if existing is not None:
        if existing.keep_local:
            raise _protected(existing)
        if existing.scim_hidden:
            return _revive(
                existing,
                profile,
                managed_by=managed_by,
                role=role,
                actor_label=actor_label,
                email_owner=email_owner,
            )
        if existing.managed_by == managed_by:
            raise DirectoryError(
                FailureReason.CONFLICT,
                f"A user with userName {existing.user_name!r} already exists.",
                member=existing,
            )
        raise DirectoryError(
            FailureReason.DUPLICATE_EMAIL,
            f"{existing.user_name} already exists here as a member managed "
            f"outside Okta ({existing.managed_by}). Link them from Failed migrations.",
            member=existing,
        )
    _check_email_free(organization, profile["email"], None, owner=email_owner)
    if active:
        ensure_seat(organization)
    now = utcnow()
    stored = _stored(profile)
    sources = {f: managed_by for f, v in stored.items() if v and not f.endswith("_key")}
    member = Member.create(
        field_sources=sources,
        organization=organization,
        **stored,
        managed_by=managed_by,
        active=active,
        created_at=now,
        updated_at=now,
        deactivated_at=None if active else now,
    )
    member.just_created = True  # no groups or grants yet: nothing to read back
    grants.note_no_grants(member)
    if role is not UNSET:
        grants.set_scim_role(member, role)
    failures.resolve_for_user(organization, member.user_name, note="created")
    audit.record(
        "member.created",
        organization=organization,
        actor_label=actor_label,
        target=member,
        details={"user_name": member.user_name, "via": managed_by},
    )
    return member


def update_member(
    member: Member,
    profile: dict,
    *,
    managed_by: str,
    role=UNSET,
    active=UNSET,
    actor_label: str,
) -> list[str]:
    """Apply a full profile; returns the names of what changed (empty: nothing written)."""
    organization = member.organization
    require_enterprise(organization)
    if member.keep_local:
        raise _protected(member)
    profile = validate_profile(profile, creating=False)
    if fold(profile["user_name"]) != member.user_name_key:
        other = member_by_user_name(organization, profile["user_name"])
        if other is not None and other.id != member.id:
            raise DirectoryError(
                FailureReason.CONFLICT, f"userName {profile['user_name']!r} is taken."
            )
    _check_email_free(organization, profile["email"], member)
    stored = _stored(profile)
    changed = [field for field, value in stored.items() if getattr(member, field) != value]
    for field in changed:
        setattr(member, field, stored[field])
    changed = [field for field in changed if not field.endswith("_key")]
    if changed:
        # The most recent write wins; the member page says which source set each field.
        member.field_sources = {
            **(member.field_sources or {}),
            **dict.fromkeys(changed, managed_by),
        }
    if active is not UNSET and bool(active) != member.active:
        _set_active(member, bool(active))
        changed.append("active")
    if role is not UNSET and grants.set_scim_role(member, role):
        changed.append("role")
    if changed and member.managed_by != managed_by:
        # Okta takes a member over with its first write that changes something; an echo
        # of what we already hold (Okta's import, a no-op PATCH) leaves it where it was.
        _link(member, managed_by, actor_label)
        changed.append("managed_by")
    if changed:
        _touch(member)
        audit.record(
            "member.updated",
            organization=organization,
            actor_label=actor_label,
            target=member,
            details={"fields": sorted(set(changed)), "active": member.active},
        )
    failures.resolve_for_user(organization, member.user_name, note="updated")
    return changed


def _link(member: Member, managed_by: Source, actor_label=None, *, actor=None) -> None:
    """Hand the member to another source: audited, so the timeline says who took it."""
    audit.record(
        "member.linked",
        organization=member.organization,
        actor=actor,
        actor_label=actor_label,
        target=member,
        details={"from": member.managed_by, "to": managed_by},
    )
    member.managed_by = managed_by


def differs(member: dict, profile: dict, *, active: bool) -> bool:
    """Whether ``update_member`` would change anything (the sync skips the rest when not).
    ``member`` is a row as a dict (``active`` and the stored profile columns); who
    manages it alone is no change (a no-op never links). Checked against what is
    stored, so a profile that would now be refused still counts as a change and goes
    through the rules."""
    if bool(member["active"]) != active:
        return True
    return any(member[f] != v for f, v in _stored(profile).items())


def set_active(member: Member, active: bool, *, actor_label: str) -> bool:
    """Okta deactivates (ends the member's sessions) or reactivates (needs a seat)."""
    require_enterprise(member.organization)
    if member.keep_local:
        raise _protected(member)
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
    _set_active(member, active)
    _touch(member)
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
        raise _protected(member)
    if member.active:
        _set_active(member, False)
    member.scim_hidden = True
    _touch(member)
    # Okta's last word on this user: an older refused change must not be retried on them.
    failures.resolve_for_user(member.organization, member.user_name, note="deleted in Okta")
    audit.record(
        "member.deleted_in_okta",
        organization=member.organization,
        actor_label=actor_label,
        target=member,
    )


def _revive(member, profile, *, managed_by, role, actor_label, email_owner=UNSET) -> Member:
    ensure_seat(member.organization)
    _check_email_free(member.organization, profile["email"], member, owner=email_owner)
    for field, value in _stored(profile).items():
        setattr(member, field, value)
    member.scim_hidden, member.managed_by = False, managed_by
    _set_active(member, True)
    _touch(member)
    if role is not UNSET:
        grants.set_scim_role(member, role)
    failures.resolve_for_user(member.organization, member.user_name, note="revived")
    audit.record(
        "member.revived", organization=member.organization, actor_label=actor_label, target=member
    )
    return member


def _set_active(member: Member, active: bool) -> None:
    if active:
        ensure_seat(member.organization)
        member.active, member.deactivated_at = True, None
    else:
        member.active, member.deactivated_at = False, utcnow()
        member.session_version += 1  # refuses every open session on its next request
        session_records.end_all(member, SessionEnd.ENDED_EVERYWHERE)  # and ends the records


def _touch(member: Member) -> None:
    member.version += 1
    member.updated_at = utcnow()
    save_changed(member)


def _check_email_free(organization, email: str, member: Member | None, owner=UNSET) -> None:
    """``owner``: the member holding ``email``, when the caller already read it (None: no
    one)."""
    if member is not None and fold(email) == member.email_key:
        return  # unchanged: the unique index already holds it for this member
    other = member_by_email(organization, email) if owner is UNSET else owner
    if other is None or (member is not None and other.id == member.id):
        return
    if other.keep_local:
        raise _protected(other)
    raise DirectoryError(
        FailureReason.DUPLICATE_EMAIL,
        f"The email {email} already belongs to another member "
        f"({other.user_name or other.email}). Change it in Okta, or link the two from "
        "Failed migrations.",
        member=other,
    )


def _protected(member: Member) -> DirectoryError:
    return DirectoryError(
        FailureReason.LOCAL_MEMBER_PROTECTED,
        f"{member.email} is kept local by an admin (for example the "
        "break-glass account) and cannot be changed from Okta.",
        member=member,
    )


def _stored(profile: dict) -> dict:
    """Profile values as stored, with the case-insensitive keys."""
    values = {field: profile.get(field) for field in PROFILE_FIELDS if field in profile}
    for field in (
        "given_name",
        "family_name",
        "display_name",
        "title",
        "department",
        "employee_number",
        "manager_id",
        "photo_url",
    ):
        if field in values and values[field] is None:
            values[field] = ""
    if "phone_numbers" in values and values["phone_numbers"] is None:
        values["phone_numbers"] = []
    values["user_name_key"] = fold(values["user_name"])
    values["email_key"] = fold(values["email"])
    return values


def parse_role(value) -> OrgRole:
    """A SCIM ``role`` value; unknown values are refused with the list of valid ones."""
    if value in (None, ""):
        return OrgRole.NONE
    try:
        return OrgRole.parse(str(value))
    except ValueError:
        raise DirectoryError(
            FailureReason.INVALID_DATA,
            f"Unknown role {value!r}: use ReadOnly, User, Admin or "
            "EnterpriseAdmin, or leave it empty for sign-in only.",
        ) from None
