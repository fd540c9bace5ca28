"""Integrations > Okta > Provisioning > Request log: the organization's own SCIM requests
and our answers, as support's console shows them (the same filters and columns, bodies
as stored: without the secrets Okta sent), and only this organization's."""

from flask import request
from playhouse.flask_utils import PaginatedQuery

from ..permissions import Action, requires
from ..scim import request_log
from .blueprint import bp
from .gate import enterprise_organization
from .tabs import hub_page

PAGE_SIZE = 100


@bp.get("/okta/scim/log")
@requires(Action.VIEW_SCIM_LOG)
def scim_log():
    organization = enterprise_organization()
    query = request_log.filtered(
        organization.id,
        request.args.get("status", ""),
        request.args.get("method", ""),
        request.args.get("path", ""),
    )
    page = PaginatedQuery(query, paginate_by=PAGE_SIZE, check_bounds=False)
    return hub_page("scim", "integrations/scim_log.html", page=page, args=request.args)
