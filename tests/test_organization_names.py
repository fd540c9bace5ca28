"""Names people type for their organization and sites reach mail subjects, page titles
and log lines: control and format characters are refused with a message."""

import pytest

from tests.conftest import csrf_token
from wizard.domain import organizations
from wizard.models import Organization


@pytest.mark.parametrize(
    "name",
    ["Acme\r\nBcc: victim@example.com", "Acme\x00", "Acme\u202egnp.exe", "Acme\tCorp"],
    ids=["crlf", "nul", "bidi-override", "tab"],
)
def test_an_admin_cannot_give_the_organization_a_name_with_control_characters(
    client, auth, admin, org, name
):
    """Attack: an Admin renames the organization with a line break (mail headers) or a
    bidi override (a name that reads differently than it is)."""
    auth.login()
    page = client.get("/org/settings")
    response = client.post(
        "/org/settings",
        data={"csrf_token": csrf_token(page.text), "name": name, "timezone": "UTC"},
    )
    assert response.status_code == 200 and "control character" in response.text
    assert Organization.get_by_id(org.id).name == "Acme"


def test_sites_and_new_organizations_refuse_them_too(db, org):
    with pytest.raises(organizations.OrganizationError, match="control character"):
        organizations.add_site(org, "Lib\nrary")
    with pytest.raises(organizations.OrganizationError, match="control character"):
        organizations.create_organization("Globex\x1b[31m", "globex")
    assert organizations.add_site(org, "  Library  ").name == "Library"
