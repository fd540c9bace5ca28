"""Who may do what: one table, enforced in one place.

Every view that changes or shows organization data names one ``Action`` with
``@requires(Action.X)``; templates ask ``can("x")``. The table says, per action, the
lowest organization role that may do it, whether someone holding a setup link may, and
whether it needs a fresh sign-in (password typed again, or Okta re-authentication,
within ``FRESH_AUTH_SECONDS``). ``docs/security.md`` prints this table; a test checks the
two agree, so the document cannot drift from the code.

Staff (our support people) have no organization role: the staff pages use
``staff_required`` and the few shared pages list staff explicitly (``staff=True``).
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import wraps

from flask import abort, current_app, g
from flask_login import current_user

from .domain.roles import OrgRole


class Action(StrEnum):
    VIEW_DIRECTORY = "view_directory"
    VIEW_INTEGRATIONS = "view_integrations"
    MANAGE_ORGANIZATION = "manage_organization"
    RUN_WIZARD = "run_wizard"
    CONFIGURE_SSO = "configure_sso"
    TEST_SSO = "test_sso"
    ACTIVATE_SSO = "activate_sso"
    MANAGE_DOMAINS = "manage_domains"
    MANAGE_SIGN_IN_RULES = "manage_sign_in_rules"
    ISSUE_FIRST_SCIM_TOKEN = "issue_first_scim_token"  # noqa: S105 (an action name)
    ROTATE_SCIM_TOKEN = "rotate_scim_token"  # noqa: S105 (an action name)
    REVOKE_SCIM_TOKENS = "revoke_scim_tokens"
    CHOOSE_SCIM_AUTH = "choose_scim_auth"
    VIEW_SCIM_LOG = "view_scim_log"
    CONFIGURE_OKTA_API = "configure_okta_api"
    MANAGE_TRUSTED_HOSTS = "manage_trusted_hosts"
    VIEW_SYNC = "view_sync"
    RUN_SYNC = "run_sync"
    APPROVE_HELD_DEACTIVATIONS = "approve_held_deactivations"
    MANAGE_ROLE_MAPPINGS = "manage_role_mappings"
    MANAGE_DETAIL_MAPPINGS = "manage_detail_mappings"
    MANAGE_SETUP_LINKS = "manage_setup_links"
    DISCONNECT = "disconnect"
    CONVERT_TO_LOCAL = "convert_to_local"
    MANAGE_KEEP_LOCAL = "manage_keep_local"
    SET_MEMBER_ROLE = "set_member_role"
    SEND_PASSWORD_RESET = "send_password_reset"  # noqa: S105 (an action name)
    ALLOW_OKTA_LINK = "allow_okta_link"
    VIEW_FAILED_MIGRATIONS = "view_failed_migrations"
    RESOLVE_FAILED_MIGRATIONS = "resolve_failed_migrations"
    VIEW_AUDIT_LOG = "view_audit_log"


@dataclass(frozen=True)
class Rule:
    minimum: OrgRole
    description: str
    setup_link: bool = False  # someone holding a valid setup link may do it
    fresh_auth: bool = False  # needs a password or Okta sign-in within the window
    staff: bool = False  # support staff may do it too (their actions are audited)


EA, ADMIN, READ_ONLY = OrgRole.ENTERPRISE_ADMIN, OrgRole.ADMIN, OrgRole.READ_ONLY
RULES: dict[Action, Rule] = {
    Action.VIEW_DIRECTORY: Rule(READ_ONLY, "See the dashboard, Team > Users and Groups"),
    Action.VIEW_INTEGRATIONS: Rule(
        READ_ONLY, "See Integrations > Okta (status, settings; never a secret)"
    ),
    Action.MANAGE_ORGANIZATION: Rule(ADMIN, "Change the organization's name, time zone, sites"),
    Action.RUN_WIZARD: Rule(
        ADMIN,
        "Walk the Connect Okta steps that change nothing security-critical (checklists, "
        "assign, push, self-test, finish)",
        setup_link=True,
    ),
    Action.CONFIGURE_SSO: Rule(
        EA,
        "Save an SSO issuer, client ID or secret (saved as pending, never live at once)",
        setup_link=True,
    ),
    Action.TEST_SSO: Rule(
        ADMIN, "Run a test sign-in and see what Okta sends (activates nothing)", setup_link=True
    ),
    Action.ACTIVATE_SSO: Rule(
        EA, "Make a pending SSO configuration live (through its passing test sign-in)"
    ),
    Action.MANAGE_DOMAINS: Rule(EA, "Add, verify and remove the organization's email domains"),
    Action.MANAGE_SIGN_IN_RULES: Rule(
        EA, "Require Okta sign-in, choose the break-glass admin, just-in-time", fresh_auth=True
    ),
    Action.ISSUE_FIRST_SCIM_TOKEN: Rule(
        EA, "Create the connection's first SCIM token (none was ever made)", setup_link=True
    ),
    Action.ROTATE_SCIM_TOKEN: Rule(
        EA,
        "Create any later SCIM token (rotation, or after a revocation or a disconnect)",
        fresh_auth=True,
    ),
    Action.REVOKE_SCIM_TOKENS: Rule(EA, "Revoke SCIM tokens", fresh_auth=True),
    Action.CHOOSE_SCIM_AUTH: Rule(
        ADMIN,
        "Choose how Okta presents the SCIM token (Bearer, header, Basic): which values the "
        "page shows to paste; the token itself is unchanged",
        setup_link=True,
    ),
    Action.VIEW_SCIM_LOG: Rule(
        ADMIN, "See the organization's own SCIM request log (bodies without secrets)"
    ),
    Action.CONFIGURE_OKTA_API: Rule(
        EA,
        "Save or test the Okta API connection (org URL; service app key and client ID, or token)",
        fresh_auth=True,
    ),
    Action.MANAGE_TRUSTED_HOSTS: Rule(
        EA, "Allow a custom domain for outbound requests (Okta custom URL)", fresh_auth=True
    ),
    Action.VIEW_SYNC: Rule(ADMIN, "See the sync page, its history and drift"),
    Action.RUN_SYNC: Rule(ADMIN, "Sync now, dry run, pause, resume, change the schedule"),
    Action.APPROVE_HELD_DEACTIVATIONS: Rule(ADMIN, "Approve or discard held deactivations"),
    Action.MANAGE_ROLE_MAPPINGS: Rule(
        ADMIN, "Map Okta groups to roles (only to roles below one's own, EA excepted)"
    ),
    Action.MANAGE_DETAIL_MAPPINGS: Rule(ADMIN, "Map Okta profile properties to member details"),
    Action.MANAGE_SETUP_LINKS: Rule(EA, "Create and revoke setup links", fresh_auth=True),
    Action.DISCONNECT: Rule(EA, "Disconnect Okta", fresh_auth=True),
    Action.CONVERT_TO_LOCAL: Rule(
        EA, "Convert Okta-managed members to local management", fresh_auth=True
    ),
    Action.MANAGE_KEEP_LOCAL: Rule(
        EA, "Turn 'keep local' on or off for a member (Okta may not touch it)", fresh_auth=True
    ),
    Action.SET_MEMBER_ROLE: Rule(
        ADMIN,
        "Give a local member an organization role by hand (only roles below one's own, "
        "to members below one's own role; EA excepted)",
        fresh_auth=True,
    ),
    Action.SEND_PASSWORD_RESET: Rule(
        ADMIN,
        "Send a local member a one-time link to set a new password (members below "
        "one's own role; EA excepted)",
        fresh_auth=True,
    ),
    Action.ALLOW_OKTA_LINK: Rule(
        EA, "Let a local password account be linked at its next Okta sign-in", fresh_auth=True
    ),
    Action.VIEW_FAILED_MIGRATIONS: Rule(ADMIN, "See and download failed migrations", staff=True),
    Action.RESOLVE_FAILED_MIGRATIONS: Rule(
        ADMIN, "Retry, link, ignore or resolve failed migrations", staff=True
    ),
    Action.VIEW_AUDIT_LOG: Rule(ADMIN, "See and download the audit log", staff=True),
}


class PermissionDenied(Exception):
    """Raised by ``check`` outside a view decorator; views turn it into a 403."""


def _setup_link():
    from .domain.setup_links import from_session

    return from_session()


def member_may(member, action: Action | str) -> bool:
    """Whether ``member`` (an organization member or staff) holds what ``action`` needs."""
    rule = RULES[Action(action)]
    if member.is_staff:
        return rule.staff
    return member.org_role >= rule.minimum


def allowed(action: Action | str, *, setup_link=None) -> bool:
    """Whether the current person (signed-in member, staff, or setup-link holder) may do
    ``action``. Freshness is not part of the answer: ``requires`` asks for it."""
    rule = RULES[Action(action)]
    if current_user.is_authenticated:
        return member_may(current_user, action)
    link = setup_link if setup_link is not None else g.get("setup_link") or _setup_link()
    return rule.setup_link and link is not None


def requires(action: Action):
    """The view decorator: signed-out visitors go to sign-in (or use their setup link
    where the table allows), the others need the role, then a fresh sign-in if asked."""
    rule = RULES[action]

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                link = _setup_link() if rule.setup_link else None
                if link is None:
                    return current_app.login_manager.unauthorized()
                g.setup_link = link
                return view(*args, **kwargs)
            if not allowed(action):
                abort(403)
            confirm = _confirmation_needed(rule)
            if confirm is not None:
                return confirm
            return view(*args, **kwargs)

        guarded.permission = action
        return guarded

    return decorator


def check(action: Action) -> None:
    """``requires`` for code that picks its action at run time (a wizard step, first
    token or rotation): aborts with 403 when not allowed, and sends a stale sign-in to
    the confirmation page when the action needs a fresh one."""
    if not allowed(action):
        abort(403)
    confirm = _confirmation_needed(RULES[action])
    if confirm is not None:
        abort(confirm)


def _confirmation_needed(rule: Rule):
    """The redirect to /account/confirm when ``rule`` wants a fresh sign-in the member
    has not given; None otherwise. Staff and setup-link holders have no password here
    to type again: staff actions are audited, setup links never reach such actions."""
    if not rule.fresh_auth or not current_user.is_authenticated or current_user.is_staff:
        return None
    from .auth import fresh

    return None if fresh.is_fresh() else fresh.ask_to_confirm()


def may_grant(actor, role: OrgRole) -> bool:
    """Nobody grants more than they hold: an EnterpriseAdmin may give any role, everyone
    else only roles below their own (an Admin may give User, not Admin)."""
    if actor is None or actor.is_staff:
        return False
    held = actor.org_role
    return held == OrgRole.ENTERPRISE_ADMIN or role < held


def may_manage(actor, member) -> bool:
    """Convert, reset or edit ``member``: an EnterpriseAdmin may, anyone else only for
    members whose role is below their own."""
    if actor is None or actor.is_staff or actor.organization_id != member.organization_id:
        return False
    return actor.org_role == OrgRole.ENTERPRISE_ADMIN or member.org_role < actor.org_role


def template_helpers() -> dict:
    return {"can": allowed}


def markdown_table() -> str:
    """The table as ``docs/security.md`` prints it (a test compares the two)."""

    def mark(flag: bool) -> str:
        return "yes" if flag else "no"

    lines = [
        "| Action | What it allows | Minimum role | Setup link | Fresh sign-in | Staff |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for action, rule in RULES.items():
        lines.append(
            f"| `{action.value}` | {rule.description} | {rule.minimum.value_name} | "
            f"{mark(rule.setup_link)} | {mark(rule.fresh_auth)} | {mark(rule.staff)} |"
        )
    return "\n".join(lines)
