"""A member handed from one manager to another on purpose: Okta takes over a local member
(support links a duplicate email to it), or a person here takes Okta's members back
(conversion to local management before a disconnect).

The same rule as every other change of who manages a member: the version and
``lastModified`` move, and the member's timeline says who did it.
"""

from ..domain import audit
from ..domain.failure_reasons import FailureReason
from ..domain.sources import Source
from ..models import Member, fold
from .activation import touch
from .members import _link, member_by_user_name
from .rules import DirectoryError, protected


def link_to_okta(member: Member, user_name: str, *, actor) -> Member:
    """Okta (SCIM) manages ``member`` from now on, under Okta's ``user_name``, so Okta's
    next existence check finds it. Its data stays. Refused for a kept-local member (the
    break-glass admin) and when another member holds that userName."""
    if member.keep_local:
        raise protected(member)
    other = member_by_user_name(member.organization, user_name)
    if other is not None and other.id != member.id:
        raise DirectoryError(
            FailureReason.CONFLICT, f"Another member already has the userName {user_name}."
        )
    member.user_name, member.user_name_key = user_name, fold(user_name)
    _link(member, Source.SCIM, actor=actor)
    touch(member)
    return member


def convert_to_local(member: Member, *, actor) -> bool:
    """Manage ``member`` here from now on, keeping everything it has; True when it was
    Okta's. Okta may take it over again with a write that changes something, as for
    any local member it can see."""
    if member.managed_by == Source.LOCAL:
        return False
    audit.record(
        "member.converted_to_local",
        organization=member.organization,
        actor=actor,
        target=member,
        details={"from": member.managed_by},
    )
    member.managed_by = Source.LOCAL
    touch(member)
    return True
