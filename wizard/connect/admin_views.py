"""Around the wizard: stopping one SCIM token now (the Integrations > Okta pages live in
wizard/integrations/)."""

from flask import abort, flash, redirect, url_for

from ..domain import audit, connections
from ..permissions import Action, requires
from .views import bp, connection_or_gate, organization


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
