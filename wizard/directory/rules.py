"""The rules every directory change checks first, whichever door it came through."""

from ..domain import member_tally
from ..domain.failure_reasons import FailureReason
from ..models import Member, Organization


class DirectoryError(Exception):
    """A rule refused the change, for ``reason`` (recorded as a failed migration unless
    it is a plain ``CONFLICT``) in words an admin can act on."""

    def __init__(self, reason: FailureReason, message: str, *, member: Member | None = None):
        super().__init__(message)
        self.reason, self.message, self.member = reason, message, member


def require_enterprise(organization: Organization) -> None:
    if not organization.enterprise_enabled:
        raise DirectoryError(
            FailureReason.ENTERPRISE_DISABLED,
            f"Provisioning is not enabled for {organization.name}: the Enterprise feature is "
            "off. Ask the organization's account owner to enable it.",
        )


def seats_used(organization: Organization) -> int:
    """Active members (staff belong to no organization). From the member tally, kept in
    the same transaction as the members: under the organization's write lock it is exact,
    and costs one row read however many members there are."""
    tallied = member_tally.members(getattr(organization, "id", organization), active=True)
    if tallied is not None:
        return tallied
    return (
        Member.select()
        .where((Member.organization == organization) & Member.active & ~Member.is_staff)
        .count()
    )


def ensure_seat(organization: Organization) -> None:
    limit = organization.seat_limit
    if limit is not None and seats_used(organization) >= limit:
        raise DirectoryError(
            FailureReason.LICENSE_LIMIT,
            f"License limit of {limit} seats reached. Free a seat or ask for a higher limit; "
            "the user is provisioned automatically once a seat is free.",
        )


def protected(member: Member) -> DirectoryError:
    """The refusal of a change from Okta to a member kept local here."""
    return DirectoryError(
        FailureReason.LOCAL_MEMBER_PROTECTED,
        f"{member.email} is kept local by an admin (for example the "
        "break-glass account) and cannot be changed from Okta.",
        member=member,
    )
