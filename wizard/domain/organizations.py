"""Organizations and their sites: creation and settings, shared by the CLI and the pages."""

import re
import unicodedata
from zoneinfo import available_timezones

import peewee as pw

from ..db import database
from ..models import Organization, Site, fold, utcnow

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


class OrganizationError(ValueError):
    """A rule an organization change broke; the message is shown to people as is."""


def validate_slug(slug: str) -> str:
    if not SLUG_PATTERN.match(slug or ""):
        raise OrganizationError(
            "The slug must be 2-40 characters: lowercase letters, digits and hyphens, "
            "starting with a letter."
        )
    return slug


def clean_name(value: str, what: str) -> str:
    """A name as people see it: trimmed, not empty, no control or format characters (a
    line break in an organization's name would reach mail subjects and log lines)."""
    name = (value or "").strip()
    if not name:
        raise OrganizationError(f"The {what} needs a name.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name):
        raise OrganizationError(f"The {what}'s name has a control character: type it again.")
    return name


def validate_timezone(timezone: str) -> str:
    if timezone not in available_timezones():
        raise OrganizationError(f"Unknown time zone {timezone!r} (use e.g. Europe/Paris or UTC).")
    return timezone


def create_organization(
    name: str,
    slug: str,
    *,
    seat_limit: int | None = None,
    enterprise_enabled: bool = False,
    timezone: str = "UTC",
) -> Organization:
    name = clean_name(name, "organization")
    validate_slug(slug)
    validate_timezone(timezone)
    if seat_limit is not None and seat_limit < 0:
        raise OrganizationError("The seat limit cannot be negative.")
    try:
        with database.atomic():
            return Organization.create(
                name=name,
                slug=slug,
                seat_limit=seat_limit,
                enterprise_enabled=enterprise_enabled,
                timezone=timezone,
            )
    except pw.IntegrityError:
        raise OrganizationError(f"An organization with the slug {slug!r} already exists.") from None


def update_settings(organization: Organization, *, name: str, timezone: str) -> dict:
    """Change what an organization admin may change; returns the changed fields."""
    name = clean_name(name, "organization")
    validate_timezone(timezone)
    return _apply_changes(organization, {"name": name, "timezone": timezone})


def update_entitlements(
    organization: Organization, *, seat_limit: int | None, enterprise_enabled: bool
) -> dict:
    """What only staff may change: the seat limit and the enterprise feature."""
    if seat_limit is not None and seat_limit < 0:
        raise OrganizationError("The seat limit cannot be negative.")
    values = {"seat_limit": seat_limit, "enterprise_enabled": enterprise_enabled}
    return _apply_changes(organization, values)


def _apply_changes(organization: Organization, values: dict) -> dict:
    """Set the values that differ and save; returns ``{field: {"from", "to"}}`` for audit."""
    changes = {
        field: {"from": getattr(organization, field), "to": value}
        for field, value in values.items()
        if getattr(organization, field) != value
    }
    if changes:
        for field, change in changes.items():
            setattr(organization, field, change["to"])
        organization.updated_at = utcnow()
        organization.save()
    return changes


def add_site(organization: Organization, name: str) -> Site:
    name = clean_name(name, "site")
    try:
        with database.atomic():
            return Site.create(organization=organization, name=name, name_key=fold(name))
    except pw.IntegrityError:
        raise OrganizationError(f"A site named {name!r} already exists.") from None


def rename_site(site: Site, name: str) -> None:
    name = clean_name(name, "site")
    try:
        with database.atomic():
            site.name, site.name_key = name, fold(name)
            site.save()
    except pw.IntegrityError:
        raise OrganizationError(f"A site named {name!r} already exists.") from None
