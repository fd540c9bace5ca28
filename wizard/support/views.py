"""Staff pages: the organization list and the entitlements only staff may change."""

import peewee as pw
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from playhouse.flask_utils import PaginatedQuery

from .. import audit, connections, organizations
from ..auth.guards import staff_required
from ..models import Member, Organization
from .forms import EntitlementsForm, ReleaseDomainForm

bp = Blueprint("support", __name__, url_prefix="/support")


@bp.get("/")
@staff_required
def organizations_list():
    active_members = Member.select(pw.fn.COUNT(Member.id)).where(
        (Member.organization == Organization.id) & Member.active
    )
    query = Organization.select(Organization, active_members.alias("active_members")).order_by(
        Organization.slug
    )
    page = PaginatedQuery(query, paginate_by=50, check_bounds=False)
    return render_template("support/organizations.html", page=page)


@bp.route("/organizations/<slug>", methods=["GET", "POST"])
@staff_required
def organization(slug: str):
    organization = Organization.get_or_none(Organization.slug == slug) or abort(404)
    form = EntitlementsForm(obj=organization)
    if form.validate_on_submit():
        changes = organizations.update_entitlements(
            organization,
            seat_limit=form.seat_limit.data,
            enterprise_enabled=form.enterprise_enabled.data,
        )
        if changes:
            audit.record_request(
                "staff.entitlements_changed",
                organization=organization,
                target=organization,
                details=changes,
            )
        flash("Entitlements saved.", "success")
        return redirect(url_for("support.organization", slug=slug))
    return render_template(
        "support/organization.html",
        organization=organization,
        form=form,
        connection=connections.connection_for(organization),
        release_form=ReleaseDomainForm(),
    )


@bp.post("/organizations/<slug>/release-domain")
@staff_required
def release_domain(slug: str):
    """A domain belongs to one organization; staff free it so another can claim it."""
    organization = Organization.get_or_none(Organization.slug == slug) or abort(404)
    connection = connections.connection_for(organization)
    if ReleaseDomainForm().validate_on_submit() and connection and connection.email_domain:
        domain = connection.email_domain
        connection.email_domain = None
        connection.save()
        audit.record_request(
            "staff.email_domain_released",
            organization=organization,
            target=connection,
            details={"domain": domain},
        )
        flash(f"{domain} is free: another organization can now claim it.", "success")
    return redirect(url_for("support.organization", slug=slug))
