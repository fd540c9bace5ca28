"""Integrations > Okta > Role mapping (seed 000): Okta groups to admin access or a
member login, and roles per site or on all websites. It works from the groups Okta
pushed by SCIM as from those the sync read, so neither the Okta API nor the wizard is
needed first; a site can be added here, where the roles are chosen."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from ..domain import audit, mappings
from ..models import Group, RoleMapping, Site
from ..org.forms import SiteForm
from ..org.views import added_site
from ..permissions import Action, requires
from ..tenancy import own
from .blueprint import bp
from .gate import enterprise_organization
from .mapping_forms import MappingForm
from .tabs import hub_page

ACCESS_LABELS = {"Admin": "Admin access", "User": "Member login (staff directory)"}


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


def roles_page(form: MappingForm, status: int = 200, site_form: SiteForm | None = None):
    found = RoleMapping.select().where(RoleMapping.organization == current_user.organization)
    return hub_page(
        "roles",
        "integrations/roles.html",
        form=form,
        site_form=site_form or SiteForm(prefix="site"),
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


@bp.get("/okta/roles")
@requires(Action.MANAGE_ROLE_MAPPINGS)
def roles():
    enterprise_organization()
    return roles_page(mapping_form())


@bp.post("/okta/roles/preview")
@requires(Action.MANAGE_ROLE_MAPPINGS)
def roles_preview():
    enterprise_organization()
    form = mapping_form()
    if not form.validate_on_submit():
        return roles_page(form, 400)
    group = own(Group, Group.id == form.group.data)
    site_roles = submitted_site_roles(_sites())
    try:
        lines = mappings.preview_role_mapping(group, form.access.data, site_roles, actor=actor())
    except mappings.MappingError as exc:
        return refused(form, exc)
    return hub_page(
        "roles",
        "integrations/preview.html",
        form=form,
        group=group,
        lines=lines,
        site_roles=site_roles,
        sites=_sites(),
    )


@bp.post("/okta/roles/save")
@requires(Action.MANAGE_ROLE_MAPPINGS)
def roles_save():
    enterprise_organization()
    form = mapping_form()
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
    return redirect(url_for("integrations.roles"))


@bp.post("/okta/roles/sites")
@requires(Action.MANAGE_ORGANIZATION)
def roles_add_site():
    """Seed 000's "choose which site ..., then Add site", without leaving Role mapping."""
    site_form = SiteForm(prefix="site")
    site = added_site(enterprise_organization(), site_form)
    if site is not None:
        flash(f"Site {site.name} added: give it roles below.", "success")
        return redirect(url_for("integrations.roles", _anchor="add-mapping"))
    return roles_page(mapping_form(), 400, site_form=site_form)


@bp.post("/okta/roles/<int:mapping_id>/delete")
@requires(Action.MANAGE_ROLE_MAPPINGS)
def roles_delete(mapping_id: int):
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
    return redirect(url_for("integrations.roles"))


def _sites():
    return list(
        Site.select().where(Site.organization == current_user.organization).order_by(Site.name_key)
    )
