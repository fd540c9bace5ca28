"""Integrations > Okta > Trusted hosts: the custom domains our server may send requests
to besides Okta's own (wizard/outbound). Anyone who may see the integration sees the
list; only an EnterpriseAdmin, freshly signed in, changes it; each change is audited."""

from flask import flash, redirect, url_for
from flask_login import current_user

from ..domain import audit
from ..models import TrustedHost
from ..outbound import OKTA_DOMAINS, trusted_hosts
from ..permissions import Action, requires
from ..tenancy import own
from .blueprint import bp
from .forms import TrustedHostForm
from .gate import enterprise_organization
from .tabs import hub_page


def _page(form: TrustedHostForm, status: int = 200):
    organization = enterprise_organization()
    hosts = trusted_hosts.for_organization(organization)
    html = hub_page(
        "overview",
        "integrations/trusted_hosts.html",
        form=form,
        hosts=hosts,
        okta_domains=OKTA_DOMAINS,
    )
    return html, status


@bp.get("/okta/trusted-hosts")
@requires(Action.VIEW_INTEGRATIONS)
def trusted_hosts_page():
    return _page(TrustedHostForm())


@bp.post("/okta/trusted-hosts")
@requires(Action.MANAGE_TRUSTED_HOSTS)
def add_trusted_host():
    form = TrustedHostForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    organization = current_user.organization
    try:
        added = trusted_hosts.add(organization, form.host.data, current_user._get_current_object())
    except trusted_hosts.TrustedHostError as error:
        form.host.errors.append(error.message)
        return _page(form, 400)
    audit.record_request(
        "trusted_host.added", organization=organization, target=added, details={"host": added.host}
    )
    flash(f"{added.host} is a trusted host: our server may now send requests to it.", "success")
    return redirect(url_for("integrations.trusted_hosts_page"))


@bp.post("/okta/trusted-hosts/<int:host_id>/remove")
@requires(Action.MANAGE_TRUSTED_HOSTS)
def remove_trusted_host(host_id: int):
    removed = own(TrustedHost, TrustedHost.id == host_id)
    trusted_hosts.remove(removed)
    audit.record_request(
        "trusted_host.removed",
        organization=removed.organization,
        target=removed,
        details={"host": removed.host},
    )
    flash(f"{removed.host} is no longer trusted.", "success")
    return redirect(url_for("integrations.trusted_hosts_page"))
