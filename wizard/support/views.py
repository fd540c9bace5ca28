"""Staff pages: the organization list and the entitlements only staff may change."""

import peewee as pw
from flask import Blueprint, flash, redirect, render_template, request, url_for
from playhouse.flask_utils import PaginatedQuery, get_object_or_404

from ..auth.guards import staff_required
from ..connect import live
from ..domain import audit, connections, organizations
from ..domain import email_domains as domains
from ..models import Member, Organization, SyncRun
from ..scim import request_log
from .forms import EntitlementsForm, ReleaseDomainForm

bp = Blueprint("support", __name__)


@bp.get("/support/")
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


@bp.route("/support/organizations/<slug>", methods=["GET", "POST"])
@staff_required
def organization(slug: str):
    organization = get_object_or_404(Organization, Organization.slug == slug)
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
    audit.record_request("staff.viewed_organization", organization=organization)
    return render_template(
        "support/organization.html",
        organization=organization,
        form=form,
        claims=[
            (claim, ReleaseDomainForm(domain=claim.domain))
            for claim in domains.claims_of(organization)
        ],
    )


@bp.post("/support/organizations/<slug>/release-domain")
@staff_required
def release_domain(slug: str):
    """A verified domain belongs to one organization; staff free it (when it changed
    hands) so another can prove it."""
    organization = get_object_or_404(Organization, Organization.slug == slug)
    form = ReleaseDomainForm()
    claim = domains.claim_of(organization, form.domain.data) if form.validate_on_submit() else None
    if claim is not None:
        domains.remove(claim)
        audit.record_request(
            "staff.email_domain_released",
            organization=organization,
            target=claim,
            details={"domain": claim.domain},
        )
        flash(f"{claim.domain} is free: another organization can now verify it.", "success")
    return redirect(url_for("support.organization", slug=slug))


@bp.get("/support/organizations/<slug>/scim-log")
@staff_required
def scim_log(slug: str):
    """Support console: the organization's SCIM request log, its health, its syncs."""
    organization = get_object_or_404(Organization, Organization.slug == slug)
    audit.record_request("staff.viewed_scim_log", organization=organization)
    connection = connections.connection_for(organization)
    query = request_log.filtered(
        organization.id,
        request.args.get("status", ""),
        request.args.get("method", ""),
        request.args.get("path", ""),
    )
    page = PaginatedQuery(query, paginate_by=100, check_bounds=False)
    history = (
        SyncRun.select()
        .where(SyncRun.organization == organization)
        .order_by(SyncRun.id.desc())
        .limit(20)
    )
    return render_template(
        "support/scim_log.html",
        organization=organization,
        page=page,
        args=request.args,
        health=live.connection_health(connection) if connection else None,
        tokens=list(connections.live_tokens(connection)) if connection else [],
        history=history,
    )
