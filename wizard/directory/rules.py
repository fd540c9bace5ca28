"""The rules every directory change checks first, whichever door it came through."""

from ..models import Member, Organization


class DirectoryError(Exception):
    """A rule refused the change. ``reason`` is a failed-migration reason, or
    ``conflict`` (a plain uniqueness clash, nothing to record) or ``not_found``."""

    def __init__(self, reason: str, message: str, *, member: Member | None = None):
        super().__init__(message)
        self.reason, self.message, self.member = reason, message, member


def require_enterprise(organization: Organization) -> None:
    if not organization.enterprise_enabled:
        raise DirectoryError(
            "enterprise_disabled",
            f"Provisioning is not enabled for {organization.name}: the Enterprise feature is "
            "off. Ask the organization's account owner to enable it.",
        )


def seats_used(organization: Organization) -> int:
    return (
        Member.select()
        .where((Member.organization == organization) & Member.active & ~Member.is_staff)
        .count()
    )


def ensure_seat(organization: Organization) -> None:
    limit = organization.seat_limit
    if limit is not None and seats_used(organization) >= limit:
        raise DirectoryError(
            "license_limit",
            f"License limit of {limit} seats reached. Free a seat or ask for a higher limit; "
            "the user is provisioned automatically once a seat is free.",
        )
