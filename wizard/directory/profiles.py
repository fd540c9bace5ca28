"""A member's profile as every writer hands it over: the fields we keep, what each
member needs (userName, email, names), how values are stored, and the SCIM ``role``."""

import re

from ..domain.failure_reasons import FailureReason
from ..domain.roles import OrgRole
from ..models import Member, fold
from .rules import DirectoryError

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


# Each text field's column length: a longer value is refused, never cut or half-stored.
_LIMITS = {
    field: Member._meta.fields[field].max_length
    for field in PROFILE_FIELDS
    if getattr(Member._meta.fields[field], "max_length", None)
}
_SCIM_NAMES = {
    "user_name": "userName",
    "given_name": "name.givenName",
    "family_name": "name.familyName",
    "display_name": "displayName",
    "employee_number": "employeeNumber",
    "manager_id": "manager",
    "external_id": "externalId",
    "photo_url": "photos",
}

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
    too_long = [
        f"{_SCIM_NAMES.get(field, field)} (at most {limit})"
        for field, limit in _LIMITS.items()
        if isinstance(profile.get(field), str) and len(profile[field]) > limit
    ]
    if too_long:  # PostgreSQL would refuse the row; SQLite would keep it whole
        raise DirectoryError(
            FailureReason.INVALID_DATA,
            f"Too long to store: {', '.join(too_long)} characters. Shorten it in Okta.",
        )
    return profile


def differs(member: dict, profile: dict, *, active: bool) -> bool:
    """Whether ``update_member`` would change anything (the sync skips the rest when not).
    ``member`` is a row as a dict (``active`` and the stored profile columns); who
    manages it alone is no change (a no-op never links). Checked against what is
    stored, so a profile that would now be refused still counts as a change and goes
    through the rules."""
    if bool(member["active"]) != active:
        return True
    # A loop, not any() over a generator: half the time, and a re-sync calls it per user.
    for field, value in stored_profile(profile).items():  # noqa: SIM110
        if member[field] != value:
            return True
    return False


# Fields stored as "" when given as None (phone_numbers as []; the others keep None).
_TEXT_BLANK_FOR_NONE = frozenset(
    (
        "given_name",
        "family_name",
        "display_name",
        "title",
        "department",
        "employee_number",
        "manager_id",
        "photo_url",
    )
)


def stored_profile(profile: dict) -> dict:
    """Profile values as stored, with the case-insensitive keys."""
    values = {}
    for field in PROFILE_FIELDS:  # one pass: a re-sync calls this for every Okta user
        if field in profile:
            value = profile[field]
            if value is None:
                if field in _TEXT_BLANK_FOR_NONE:
                    value = ""
                elif field == "phone_numbers":
                    value = []
            values[field] = value
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
