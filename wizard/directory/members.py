"""Members: find, create (or revive), update, hand to another manager; the same rules
for every writer. Profiles are ``profiles``, (de)activation ``activation``."""

from ..domain import audit, failures
from ..domain.failure_reasons import FailureReason
from ..domain.sources import Source
from ..models import Member, Organization, fold, utcnow
from ..prepared import Prepared, insert_new
from . import grants
from .activation import apply_active, touch
from .profiles import UNSET, stored_profile, validate_profile
from .rules import DirectoryError, ensure_seat, protected, require_enterprise

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
            raise protected(existing)
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
    stored = stored_profile(profile)
    sources = {f: managed_by for f, v in stored.items() if v and not f.endswith("_key")}
    member = insert_new(
        Member(
            field_sources=sources,
            organization=organization,
            **stored,
            managed_by=managed_by,
            active=active,
            created_at=now,
            updated_at=now,
            deactivated_at=None if active else now,
        )
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
        raise protected(member)
    profile = validate_profile(profile, creating=False)
    if fold(profile["user_name"]) != member.user_name_key:
        other = member_by_user_name(organization, profile["user_name"])
        if other is not None and other.id != member.id:
            raise DirectoryError(
                FailureReason.CONFLICT, f"userName {profile['user_name']!r} is taken."
            )
    _check_email_free(organization, profile["email"], member)
    stored = stored_profile(profile)
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
        apply_active(member, bool(active))
        changed.append("active")
    if role is not UNSET and grants.set_scim_role(member, role):
        changed.append("role")
    if changed and member.managed_by != managed_by:
        # Okta takes a member over with its first write that changes something; an echo
        # of what we already hold (Okta's import, a no-op PATCH) leaves it where it was.
        _link(member, managed_by, actor_label)
        changed.append("managed_by")
    if changed:
        touch(member)
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


def _revive(member, profile, *, managed_by, role, actor_label, email_owner=UNSET) -> Member:
    ensure_seat(member.organization)
    _check_email_free(member.organization, profile["email"], member, owner=email_owner)
    for field, value in stored_profile(profile).items():
        setattr(member, field, value)
    member.scim_hidden, member.managed_by = False, managed_by
    apply_active(member, True)
    touch(member)
    if role is not UNSET:
        grants.set_scim_role(member, role)
    failures.resolve_for_user(member.organization, member.user_name, note="revived")
    audit.record(
        "member.revived", organization=member.organization, actor_label=actor_label, target=member
    )
    return member


def _check_email_free(organization, email: str, member: Member | None, owner=UNSET) -> None:
    """``owner``: the member holding ``email``, when the caller already read it (None: no
    one)."""
    if member is not None and fold(email) == member.email_key:
        return  # unchanged: the unique index already holds it for this member
    other = member_by_email(organization, email) if owner is UNSET else owner
    if other is None or (member is not None and other.id == member.id):
        return
    if other.keep_local:
        raise protected(other)
    raise DirectoryError(
        FailureReason.DUPLICATE_EMAIL,
        f"The email {email} already belongs to another member "
        f"({other.user_name or other.email}). Change it in Okta, or link the two from "
        "Failed migrations.",
        member=other,
    )
