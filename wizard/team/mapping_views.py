"""Role mapping and user detail mapping pages (seed 000: the two tabs that appear once
the Okta API connection passed its test)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..domain import audit, connections, mappings
from ..models import Group, RoleMapping, Site
from ..permissions import Action, requires
from ..sync import api_connection
from ..sync.okta_api import OktaApiError
from ..sync.okta_scopes import OktaScope
from ..tenancy import own
from .mapping_forms import MappingForm, detail_mapping_form

bp = Blueprint("mappings", __name__, url_prefix="/integrations/okta")
ACCESS_LABELS = {"Admin": "Admin access", "User": "Member login (staff directory)"}


def connection_ready():
    """The mapping pages exist once the Okta API connection passed its test."""
    organization = current_user.organization
    if not organization.enterprise_enabled:
        abort(403)
    connection = connections.connection_for(organization)
    if connection is None or not (connection.api_check or {}).get("ok"):
        return None
    return connection


def mapping_form() -> MappingForm:
    # Choices are set after construction: WTForms 3.3 deprecates tuples in the declaration.
    form = MappingForm()
    form.access.choices = [(r, ACCESS_LABELS[r]) for r in mappings.mappable_roles(actor())]
    groups = Group.select().where(Group.organization == current_user.organization)
    form.group.choices = [(g.id, g.display_name) for g in groups.order_by(Group.name_key)]
    return form


def actor():
    return current_user._get_current_object()


def submitted_site_roles(sites) -> dict:
    scopes = ["all", *[str(site.id) for site in sites]]
    return {scope: request.form.getlist(f"roles-{scope}") for scope in scopes}


def roles_page(form: MappingForm, status: int = 200):
    found = RoleMapping.select().where(RoleMapping.organization == current_user.organization)
    return render_template(
        "mappings/roles.html",
        form=form,
        mappings=found,
        changeable={m.id for m in found if mappings.may_change(actor(), m)},
        labels=ACCESS_LABELS,
        sites=_sites(),
        site_roles=mappings.SITE_ROLES,
    ), status


def refused(form: MappingForm, error: mappings.MappingError):
    """The roles page again, the refusal next to the field it is about."""
    field = getattr(form, error.field, None)
    if field is None:
        flash(str(error), "error")
    else:
        field.errors = [*field.errors, str(error)]
    return roles_page(form, 400)


@bp.get("/roles")
@requires(Action.MANAGE_ROLE_MAPPINGS)
def roles():
    if connection_ready() is None:
        flash("Role mapping appears once the Okta API connection passes its test.", "info")
        return redirect(url_for("sync.api"))
    return roles_page(mapping_form())


@bp.post("/roles/preview")
@requires(Action.MANAGE_ROLE_MAPPINGS)
def preview():
    form = mapping_form()
    if connection_ready() is None:
        abort(400)
    if not form.validate_on_submit():
        return roles_page(form, 400)
    group = own(Group, Group.id == form.group.data)
    site_roles = submitted_site_roles(_sites())
    try:
        lines = mappings.preview_role_mapping(group, form.access.data, site_roles, actor=actor())
    except mappings.MappingError as exc:
        return refused(form, exc)
    return render_template(
        "mappings/preview.html",
        form=form,
        group=group,
        lines=lines,
        site_roles=site_roles,
        sites=_sites(),
    )


@bp.post("/roles/save")
@requires(Action.MANAGE_ROLE_MAPPINGS)
def save():
    form = mapping_form()
    if connection_ready() is None:
        abort(400)
    if not form.validate_on_submit():
        return roles_page(form, 400)
    group = own(Group, Group.id == form.group.data)
    site_roles = submitted_site_roles(_sites())
    try:
        mapping = mappings.save_role_mapping(group, form.access.data, site_roles, actor=actor())
    except mappings.MappingError as exc:
        return refused(form, exc)
    audit.record_request(
        "mapping.role_saved",
        organization=group.organization,
        target=mapping,
        details={
            "group": group.display_name,
            "org_role": mapping.org_role,
            "site_roles": mapping.site_roles,
        },
    )
    flash(f"Mapping for {group.display_name} saved.", "success")
    return redirect(url_for("mappings.roles"))


@bp.post("/roles/<int:mapping_id>/delete")
@requires(Action.MANAGE_ROLE_MAPPINGS)
def delete(mapping_id: int):
    mapping = own(RoleMapping, RoleMapping.id == mapping_id)
    if not mappings.may_change(actor(), mapping):
        abort(403)  # removing it would take a role the admin could not give
    audit.record_request(
        "mapping.role_deleted",
        organization=mapping.organization,
        target=mapping,
        details={"group": mapping.group_name},
    )
    mappings.delete_role_mapping(mapping, actor=actor())
    flash("Mapping removed; the roles it gave are gone.", "success")
    return redirect(url_for("mappings.roles"))


@bp.route("/details", methods=["GET", "POST"])
@requires(Action.MANAGE_DETAIL_MAPPINGS)
def details():
    connection = connection_ready()
    if connection is None:
        flash("User detail mapping appears once the Okta API connection passes its test.", "info")
        return redirect(url_for("sync.api"))
    organization = current_user.organization
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
            return redirect(url_for("mappings.details"))
    properties, schema_error = _okta_properties(connection)  # read only to show the page
    form.offer(properties)
    return render_template(
        "mappings/details.html", form=form, fields=mappings.DETAIL_FIELDS, schema_error=schema_error
    ), 400 if request.method == "POST" else 200  # a POST that gets here was refused


def _okta_properties(connection) -> tuple[list[tuple[str, str]], str | None]:
    """Okta's profile properties, or none and why (the admin can still type names)."""
    try:
        client = api_connection.client_for(
            connection, scopes=(OktaScope.SCHEMAS_READ,), budget_seconds=10, timeout=5
        )
        return mappings.schema_properties(client), None
    except OktaApiError as exc:
        return [], exc.message


def _sites():
    return list(
        Site.select().where(Site.organization == current_user.organization).order_by(Site.name_key)
    )
