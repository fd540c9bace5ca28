"""A SCIM User operation applied to the directory, with or without a request: the
``/Users`` routes (RFC 7644 §3.3 POST, §3.5.1 PUT, §3.5.2 PATCH) and the support retry
of a stored operation (the failed-migrations page, the scheduler's license-limit
retries) both come here, so a retried change meets exactly the mapping and the rules the
live one met. Nothing here reads ``flask.request`` or ``g``: the caller passes a
``ScimContext``."""

from dataclasses import dataclass

from .. import directory
from ..directory import grants
from ..domain.sources import Source
from ..models import Member
from ..prepared import Prepared
from . import patch
from .context import ScimContext, with_organization
from .mapping import profile_from_scim, user_to_scim

ACTOR = "okta-scim"


@dataclass(frozen=True)
class UserChange:
    """A User body read into what the directory takes: the profile, and ``active`` and
    ``role`` when the body speaks about them."""

    profile: dict
    extras: dict

    @classmethod
    def read(cls, body: dict) -> "UserChange":
        return cls(*profile_from_scim(body))

    @property
    def active(self):
        return self.extras.get("active", directory.UNSET)


class NotReplayable(ValueError):
    """A stored operation this module cannot apply again (the user is gone, or it is not
    a User write); the message says what to do instead."""


# A kept-local member, or one SCIM deleted, is invisible to SCIM (RFC 7644 §3.4.1: 404):
# the routes and a retry see the same members.
_VISIBLE_BY_ID = Prepared(
    lambda org, scim_id: Member.select().where(
        (Member.organization == org)
        & (Member.scim_id == scim_id)
        & ~Member.scim_hidden
        & ~Member.keep_local
    ),
    int,
    str,
)


def visible_member(context: ScimContext, scim_id: str) -> Member | None:
    member = _VISIBLE_BY_ID.first(context.organization.id, scim_id[:64])
    return None if member is None else with_organization(member, context.organization)


def create_user(context: ScimContext, change: UserChange, *, actor_label=ACTOR) -> Member:
    """POST /Users: a new member, or one SCIM deleted under that userName revived."""
    return directory.create_member(
        context.organization,
        change.profile,
        managed_by=Source.SCIM,
        role=change.extras["role"],
        active=change.extras.get("active", True),
        actor_label=actor_label,
    )


def replace_user(member: Member, change: UserChange, *, actor_label=ACTOR) -> list[str]:
    """PUT /Users/<id>, and a PATCH once applied: the whole profile. A body without
    ``active`` leaves it as it is (Okta's custom apps may omit it)."""
    return directory.update_member(
        member,
        change.profile,
        managed_by=Source.SCIM,
        role=change.extras["role"],
        active=change.active,
        actor_label=actor_label,
    )


def patched_user(context: ScimContext, member: Member, steps) -> UserChange:
    """The member's SCIM representation with the compiled PATCH ``steps`` applied (RFC
    7644 §3.5.2), read back as a full User: a PATCH meets the PUT's rules."""
    current = user_to_scim(member, context.base_url, None, grants.scim_role(member))
    return UserChange.read(patch.apply(current, steps))


def replay(context: ScimContext, stored: dict, *, actor_label: str) -> Member:
    """Apply a stored ``{"method", "path", "body"}`` (the path below the base URL, the body
    redacted) again, as the route that first received it would."""
    method, path = stored.get("method"), (stored.get("path") or "").rstrip("/")
    body = stored.get("body") or {}
    if method == "POST" and path == "/Users":
        return create_user(context, UserChange.read(body), actor_label=actor_label)
    parts = path.split("/")
    if method in ("PUT", "PATCH") and len(parts) == 3 and parts[1] == "Users":
        member = visible_member(context, parts[2])
        if member is None:
            raise NotReplayable("That user no longer exists here.")
        if method == "PATCH":
            change = patched_user(context, member, patch.compile_user_patch(patch.operations(body)))
        else:
            change = UserChange.read(body)
        replace_user(member, change, actor_label=actor_label)
        return member
    raise NotReplayable("This kind of request cannot be retried here; Okta retries it itself.")
