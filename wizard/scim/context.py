"""What SCIM code needs of its caller, without a request: whose directory an operation
acts on, and the base URL its resources live under (their ``meta.location``, RFC 7644
§3.1). The routes build one per request; the support retry and the scheduler build one
from the stored connection, so a replayed change meets the same code as a live one."""

from dataclasses import dataclass

from flask import current_app

from ..models import OktaConnection, Organization


def with_organization(row, organization: Organization):
    """``row`` (a member, a group) of ``organization``, the organization already loaded
    attached: reading ``row.organization`` costs no query, and the row's next save does
    not write its ``organization_id`` again (assigning it would mark it changed)."""
    row.__rel__["organization"] = organization
    return row


@dataclass(frozen=True)
class ScimContext:
    connection: OktaConnection
    organization: Organization
    base_url: str

    @classmethod
    def of(cls, connection: OktaConnection) -> "ScimContext":
        """The context of ``connection``'s SCIM endpoint (an app context suffices)."""
        base = f"{current_app.config['PUBLIC_BASE_URL']}/scim/v2/{connection.scim_key}"
        return cls(connection, connection.organization, base)
