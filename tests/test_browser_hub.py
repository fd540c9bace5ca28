"""In Chromium: every page of Integrations > Okta, with Okta's data on it, passes axe (no
serious or critical violation) at a phone's width and a desktop's."""

import pytest

from tests.test_browser_accounts import sign_in
from tests.test_browser_wizard import serious_violations
from tests.test_hub import HUB_PAGES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1280])
def test_no_serious_accessibility_violations_on_the_hub(page, live_server, admin, scim, width):
    """Users, a pushed group, a failed migration and a request log to show: each tab and
    each tab's page is checked with what a customer would see there."""
    jane = scim.create_user("jane@acme.example.com", "Jane", "Doe")
    scim.post("/Groups", {"displayName": "Staff", "members": [{"value": jane["id"]}]})
    duplicate = {"emails": [{"value": "jane@acme.example.com", "primary": True}]}
    twin = scim.post("/Users", {**_user("jane.doe@acme.example.com"), **duplicate})
    assert twin.status_code == 409
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, admin.email)
    problems = serious_violations(page, live_server, ["/integrations", *HUB_PAGES])
    assert not problems, "\n".join(problems)


def _user(user_name: str) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Jane", "familyName": "Twin"},
    }
