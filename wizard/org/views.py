"""Dashboard and organization settings. Views parse, call ``organizations``, redirect."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..domain import audit, organizations
from ..models import Group, Member, Site
from ..permissions import Action, requires
from ..tenancy import own
from .forms import SettingsForm, SiteForm

bp = Blueprint("org", __name__, url_prefix="/org")


@bp.get("/")
@requires(Action.VIEW_DIRECTORY)
def dashboard():
    organization = current_user.organization
    counts = {
        "members": Member.select()
        .where((Member.organization == organization) & Member.active)
        .count(),
        "groups": Group.select().where(Group.organization == organization).count(),
        "sites": Site.select().where(Site.organization == organization).count(),
    }
    return render_template("org/dashboard.html", organization=organization, counts=counts)


@bp.route("/settings", methods=["GET", "POST"])
@requires(Action.MANAGE_ORGANIZATION)
def settings():
    organization = current_user.organization
    form = SettingsForm(obj=organization)
    if form.validate_on_submit():
        try:
            changes = organizations.update_settings(
                organization, name=form.name.data, timezone=form.timezone.data
            )
        except organizations.OrganizationError as exc:
            form.timezone.errors.append(str(exc))
        else:
            if changes:
                audit.record_request(
                    "org.settings_changed",
                    organization=organization,
                    target=organization,
                    details=changes,
                )
            flash("Settings saved.", "success")
            return redirect(url_for("org.settings"))
    return _settings_page(form=form, site_form=SiteForm(prefix="site"))


@bp.post("/sites")
@requires(Action.MANAGE_ORGANIZATION)
def add_site():
    organization = current_user.organization
    form = SiteForm(prefix="site")
    site = added_site(organization, form)
    if site is not None:
        flash(f"Site {site.name} added.", "success")
        return redirect(url_for("org.settings"))
    return _settings_page(form=SettingsForm(obj=organization), site_form=form), 400


def added_site(organization, form: SiteForm):
    """The site ``form`` names, added and audited; None when the form or the name is
    refused (the reason is on the form). Settings and Role mapping both add sites."""
    if not form.validate_on_submit():
        return None
    try:
        site = organizations.add_site(organization, form.name.data)
    except organizations.OrganizationError as exc:
        form.name.errors.append(str(exc))
        return None
    audit.record_request(
        "org.site_added", organization=organization, target=site, details={"name": site.name}
    )
    return site


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_ORGANIZATION)
def edit_site(site_id: int):
    site = own(Site, Site.id == site_id)
    form = SiteForm(obj=site)
    if form.validate_on_submit():
        old_name = site.name
        try:
            organizations.rename_site(site, form.name.data)
        except organizations.OrganizationError as exc:
            form.name.errors.append(str(exc))
        else:
            audit.record_request(
                "org.site_renamed",
                organization=site.organization,
                target=site,
                details={"from": old_name, "to": site.name},
            )
            flash("Site renamed.", "success")
            return redirect(url_for("org.settings"))
    return render_template("org/site.html", site=site, form=form)


@bp.post("/sites/<int:site_id>/delete")
@requires(Action.MANAGE_ORGANIZATION)
def delete_site(site_id: int):
    site = own(Site, Site.id == site_id)
    audit.record_request(
        "org.site_deleted",
        organization=site.organization,
        target=site,
        details={"name": site.name},
    )
    site.delete_instance()
    flash(f"Site {site.name} deleted, with the roles given on it.", "success")
    return redirect(url_for("org.settings"))


def _settings_page(form, site_form):
    organization = current_user.organization
    sites = Site.select().where(Site.organization == organization).order_by(Site.name_key)
    return render_template(
        "org/settings.html",
        organization=organization,
        form=form,
        site_form=site_form,
        sites=sites,
    )
