"""Local accounts: password sign-in, admins and staff, session versions.

Members that Okta provisions go through ``directory`` instead; this module only knows
the accounts people create by hand (the first admin, our staff, the demo).
"""

import secrets

import peewee as pw
from email_validator import EmailNotValidError, validate_email

from .. import directory
from ..db import database
from ..directory import grants
from ..models import Member, Organization, fold, utcnow
from ..security import check_password, hash_password
from .roles import OrgRole
from .session_records import SessionEnd, end_all

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
DEMO_SLUG = "demo"
DEMO_ADMIN_EMAIL = "admin@demo.example.com"
# Accounts one email may hold with a password (one per organization, or staff): each
# sign-in checks this many hashes, whatever the email matches (see ``authenticate``).
PASSWORD_CHECKS = 5


class AccountError(ValueError):
    """A rule an account change broke; the message is shown to people as is."""


def normalize_email(email: str) -> str:
    """The address as given, checked for syntax (no DNS lookup: we run offline too)."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise AccountError(f"{email!r} is not a valid email address: {exc}") from None


def validate_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    return password


def authenticate(email: str, password: str) -> Member | None:
    """The active member whose email and password match, or None.

    The same email may exist in several organizations (each keeps its own accounts);
    the password decides which one signs in. Every call spends exactly
    ``PASSWORD_CHECKS`` password-hash checks, padding with checks against a dummy hash
    and never stopping at the first match, so the time taken tells nobody whether the
    email has no account, one, or several, nor which one matched.
    """
    candidates = list(
        Member.select()
        .where(
            (Member.email_key == fold(email)) & Member.active & Member.password_hash.is_null(False)
        )
        .order_by(Member.is_staff.desc(), Member.id)
        .limit(PASSWORD_CHECKS)
    )
    matched = None
    for member in candidates:
        if check_password(member.password_hash, password) and matched is None:
            matched = member
    for _ in range(PASSWORD_CHECKS - len(candidates)):
        check_password(None, password)
    return matched


def check_member_password(member: Member, password: str) -> bool:
    return member.active and check_password(member.password_hash, password)


def record_sign_in(member: Member) -> None:
    Member.update(last_login_at=utcnow()).where(Member.id == member.id).execute()


def end_all_sessions(
    member: Member, reason: SessionEnd = SessionEnd.ENDED_EVERYWHERE, keep_session=None
) -> None:
    """End every session record of this member (but ``keep_session``) and bump the
    session version, so even a cookie older than the records is refused."""
    end_all(member, reason, keep=keep_session)
    Member.update(session_version=Member.session_version + 1).where(
        Member.id == member.id
    ).execute()
    member.session_version = Member.get_by_id(member.id).session_version


def change_password(member: Member, current: str, new: str, keep_session=None) -> None:
    if not check_password(member.password_hash, current):
        raise AccountError("The current password is not correct.")
    set_password(member, new, keep_session=keep_session)


def set_password(member: Member, password: str, keep_session=None) -> None:
    """Set a password and end the member's sessions, but ``keep_session`` (the one that
    changed it, which the caller signs in again under the new session version)."""
    member.password_hash = hash_password(validate_password(password))
    member.updated_at = utcnow()
    member.save()
    reason = SessionEnd.PASSWORD_CHANGED if keep_session else SessionEnd.ENDED_EVERYWHERE
    end_all_sessions(member, reason, keep_session=keep_session)


def create_local_admin(
    organization: Organization,
    email: str,
    password: str,
    role: OrgRole = OrgRole.ADMIN,
    *,
    keep_local: bool = True,
) -> Member:
    """A local member with a password and an organization role granted by hand. These
    are the organization's owners (``member create-admin``, the demo admin), kept local
    by default: SCIM neither sees nor changes them until an EnterpriseAdmin says so, so
    a push from Okta cannot deactivate the account that set Okta up."""
    email = normalize_email(email)
    validate_password(password)
    try:
        with database.atomic():
            member = Member.create(
                organization=organization,
                email=email,
                email_key=fold(email),
                user_name=email,
                user_name_key=fold(email),
                password_hash=hash_password(password),
                role=role.value_name,
                keep_local=keep_local,
            )
            grants.set_manual_role(member, role)
    except pw.IntegrityError:
        raise AccountError(f"{email} is already a member of {organization.slug}.") from None
    return member


def create_staff(email: str, password: str) -> Member:
    email = normalize_email(email)
    validate_password(password)
    with database.atomic():
        if Member.select().where(Member.is_staff & (Member.email_key == fold(email))).exists():
            raise AccountError(f"{email} is already a staff account.")
        return Member.create(
            organization=None,
            is_staff=True,
            email=email,
            email_key=fold(email),
            password_hash=hash_password(password),
        )


def ensure_demo() -> tuple[Organization, Member, str]:
    """The demo organization and its admin, created if missing, with a fresh password."""
    from .organizations import add_site, create_organization

    with database.atomic():
        organization = Organization.get_or_none(Organization.slug == DEMO_SLUG)
        if organization is None:
            organization = create_organization(
                "Demo Organization", DEMO_SLUG, seat_limit=50, enterprise_enabled=True
            )
            add_site(organization, "Main website")
        password = secrets.token_urlsafe(12)
        admin = Member.get_or_none(
            (Member.organization == organization) & (Member.email_key == fold(DEMO_ADMIN_EMAIL))
        )
        if admin is None:
            admin = create_local_admin(
                organization, DEMO_ADMIN_EMAIL, password, OrgRole.ENTERPRISE_ADMIN
            )
        else:
            directory.set_active_here(admin, True, actor_label="cli", why="demo_reset")
            set_password(admin, password)
    return organization, admin, password
