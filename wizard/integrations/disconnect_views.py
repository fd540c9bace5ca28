"""Integrations > Okta > Disconnect: convert Okta-managed members to local management
first (seed 000: deleting the connection deactivates synced users), then disconnect."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ..domain import disconnect
from ..permissions import Action, requires
from ..security_headers import shown_once
from .blueprint import bp
from .forms import DisconnectForm
from .tabs import hub_page


@bp.route("/okta/disconnect", methods=["GET", "POST"])
@requires(Action.DISCONNECT)
def disconnect_page():
    organization = current_user.organization
    form = DisconnectForm()
    if form.validate_on_submit():
        try:
            count = disconnect.disconnect(
                organization,
                confirm_name=form.confirm_name.data,
                actor=current_user._get_current_object(),
            )
        except disconnect.DisconnectError as exc:
            form.confirm_name.errors.append(str(exc))
        else:
            flash(
                f"Okta is disconnected. {count} Okta-managed member(s) were deactivated; "
                "history is kept.",
                "success",
            )
            return redirect(url_for("integrations.index"))
    return hub_page(
        "disconnect",
        "integrations/disconnect.html",
        form=form,
        managed=disconnect.okta_managed(organization).count(),
    )


@bp.post("/okta/convert")
@requires(Action.CONVERT_TO_LOCAL)
def convert_all():
    organization = current_user.organization
    issued = disconnect.convert_to_local(
        list(disconnect.okta_managed(organization)), actor=current_user._get_current_object()
    )
    return shown_once(render_template("integrations/converted.html", issued=issued))
