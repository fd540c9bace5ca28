"""Integrations > Okta > User detail mapping (seed 000): a member detail (job title,
department, phones, staff photo with its image format) from an Okta profile property,
applied by the sync. Reachable before the Okta API is connected: the property names can
be typed, and Okta's list is offered once the API can read it. A refused save comes back
with every choice as posted, the refusal next to its field."""

from flask import flash, redirect, request, url_for

from ..domain import audit, mappings
from ..permissions import Action, requires
from ..sync import api_connection
from ..sync.okta_api import OktaApiError
from ..sync.okta_scopes import OktaScope
from .blueprint import bp
from .gate import enterprise_organization, existing_connection
from .mapping_forms import detail_mapping_form
from .tabs import hub_page


@bp.route("/okta/details", methods=["GET", "POST"])
@requires(Action.MANAGE_DETAIL_MAPPINGS)
def details():
    organization = enterprise_organization()
    connection = existing_connection()
    form = detail_mapping_form(mappings.detail_mappings(organization))
    if form.validate_on_submit():
        choices = form.choices()
        try:
            mappings.save_detail_mappings(organization, choices, form.image_format.data)
        except mappings.MappingError as exc:
            if not form.refuse(exc):
                flash(str(exc), "error")
        else:
            audit.record_request(
                "mapping.details_saved",
                organization=organization,
                details={k: v for k, v in choices.items() if v},
            )
            flash("User detail mapping saved; the next sync applies it.", "success")
            return redirect(url_for("integrations.details"))
    properties, schema_error = _okta_properties(connection)  # read only to show the page
    form.offer(properties)
    return hub_page(
        "details",
        "integrations/details.html",
        api_connected=bool(connection and connection.api.connected),
        form=form,
        fields=mappings.DETAIL_FIELDS,
        schema_error=schema_error,
    ), 400 if request.method == "POST" else 200  # a POST that gets here was refused


def _okta_properties(connection) -> tuple[list[tuple[str, str]], str | None]:
    """Okta's profile properties, or none and why (the admin can still type names)."""
    if connection is None or not connection.api.connected:
        return [], None
    try:
        client = api_connection.client_for(
            connection, scopes=(OktaScope.SCHEMAS_READ,), budget_seconds=10, timeout=5
        )
        return mappings.schema_properties(client), None
    except OktaApiError as exc:
        return [], exc.message
