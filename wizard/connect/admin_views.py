"""Around the wizard: stopping one SCIM token now, and converting one Okta-managed member
to local management (the Integrations > Okta pages live in wizard/integrations/)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import audit, connections, disconnect
from ..models import Member
from ..permissions import Action, requires
from ..tenancy import own
from .views import bp, connection_or_gate, organization, shown_once


@bp.post("/connect/okta/credentials/tokens/<int:token_id>/revoke")
@requires(Action.REVOKE_SCIM_TOKENS)
def revoke_token(token_id: int):
    token = connections.revoke_token(connection_or_gate(), token_id)  # CSRFProtect checked
    if token is None:
        abort(404)
    audit.record_request(
        "scim.token_revoked",
        organization=organization(),
        target=token,
        details={"prefix": token.prefix},
    )
    flash(f"The token {token.prefix}… no longer works.", "success")
    return redirect(url_for("connect.step", slug="credentials"))


@bp.post("/team/users/<member_id>/convert")
@requires(Action.CONVERT_TO_LOCAL)
def convert_one(member_id: str):
    member = own(disconnect.okta_managed(current_user.organization), Member.scim_id == member_id)
    issued = disconnect.convert_to_local([member], actor=current_user._get_current_object())
    return shown_once(render_template("connect/converted.html", issued=issued))
