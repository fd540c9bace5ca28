"""Integrations > Okta > Failed migrations: what Okta sent that could not be applied
(seed 003: duplicate email, license limit, connection errors), by reason, the latest
ones, and the way to the inbox (retry, link, ignore, resolve) and its downloads."""

import peewee as pw

from ..domain import failure_inbox as inbox
from ..domain.failure_reasons import FailureReason
from ..models import FailedMigration
from ..permissions import Action, requires
from .blueprint import bp
from .gate import enterprise_organization
from .tabs import hub_page

LATEST = 20


@bp.get("/okta/failed-migrations")
@requires(Action.VIEW_FAILED_MIGRATIONS)
def failures():
    organization = enterprise_organization()
    query = inbox.failure_query(inbox.Filters(organization=organization))
    by_reason = (
        FailedMigration.select(FailedMigration.reason, pw.fn.COUNT(FailedMigration.id))
        .where((FailedMigration.organization == organization) & (FailedMigration.status == "open"))
        .group_by(FailedMigration.reason)
        .order_by(FailedMigration.reason)
        .tuples()
    )
    return hub_page(
        "failures",
        "integrations/failures.html",
        latest=list(query.limit(LATEST)),
        total=query.count(),
        by_reason=[(FailureReason(reason), count) for reason, count in by_reason],
        connection_errors=list(inbox.connection_errors(organization, limit=5)),
    )
