"""An EnterpriseAdmin lets a local password account be linked to Okta at its next
verified sign-in (the member page's "Allow Okta link"). Without it, a sign-in never
links a password account: someone else's provider account with the same address must
not become that person."""

from flask import flash, redirect, url_for

from ..domain import audit
from ..models import Member
from ..permissions import Action, requires
from ..sso import identities
from ..tenancy import own
from .views import bp


@bp.post("/users/<member_id>/okta-link")
@requires(Action.ALLOW_OKTA_LINK)
def allow_okta_link(member_id: str):
    member = own(Member, Member.scim_id == member_id)
    if member.keep_local or not member.password_hash:
        flash("Only a local account with a password that is not kept local needs this.", "error")
        return redirect(url_for("team.member", member_id=member.scim_id))
    identities.allow_link(member)
    audit.record_request(
        "member.okta_link_allowed",
        organization=member.organization,
        target=member,
        details={"valid_days": identities.ALLOWANCE_LIFETIME.days},
    )
    flash(
        f"{member.email}'s next Okta sign-in (with this verified email) links the account.",
        "success",
    )
    return redirect(url_for("team.member", member_id=member.scim_id))
