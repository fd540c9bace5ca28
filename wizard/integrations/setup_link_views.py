"""Integrations > Okta > Setup links: time-limited links that let an IT person without an
account do the wizard's Okta steps (2-7) and nothing else."""

from datetime import timedelta

from flask import flash, redirect, url_for
from flask_login import current_user

from ..domain import audit, setup_links
from ..models import SetupLink, utcnow
from ..permissions import Action, requires
from ..security_headers import shown_once
from ..tenancy import own
from .blueprint import bp
from .forms import SetupLinkForm
from .gate import enterprise_organization
from .tabs import hub_page


@bp.route("/okta/setup-links", methods=["GET", "POST"])
@requires(Action.MANAGE_SETUP_LINKS)
def setup_links_page():
    organization = enterprise_organization()  # a link opens the wizard: 403 without it
    form = SetupLinkForm()
    new_link = None
    if form.validate_on_submit():
        link, new_link = setup_links.create(
            organization,
            current_user._get_current_object(),
            form.label.data,
            timedelta(days=form.days.data),
        )
        audit.record_request(
            "setup_link.created",
            organization=organization,
            target=link,
            details={"label": link.label, "days": form.days.data},
        )
    links = (
        SetupLink.select()
        .where(SetupLink.organization == organization)
        .order_by(SetupLink.id.desc())
    )
    return shown_once(
        hub_page(
            "setup_links",
            "integrations/setup_links.html",
            form=form,
            links=links,
            new_link=new_link,
            now=utcnow(),
            orphaned={link.id for link in links if not setup_links.creator_may_lend(link)},
        )
    )


@bp.post("/okta/setup-links/<int:link_id>/revoke")
@requires(Action.MANAGE_SETUP_LINKS)
def revoke_setup_link(link_id: int):
    link = own(SetupLink, SetupLink.id == link_id)
    setup_links.revoke(link)
    audit.record_request("setup_link.revoked", organization=link.organization, target=link)
    flash("The link no longer works.", "success")
    return redirect(url_for("integrations.setup_links_page"))
