"""Simulated Okta's pages in Chromium: no serious or critical axe violation at phone and
desktop widths, and the sign-in page picks a person with the keyboard alone."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.simulated_okta import PROVISIONING_APP, connect_scim
from wizard.simulator import seed

pytestmark = pytest.mark.browser

PAGES = [
    "/simulated-okta/",
    "/simulated-okta/people",
    f"/simulated-okta/people/{seed.person_id(1)}",
    "/simulated-okta/groups",
    "/simulated-okta/groups/00gsimengineering01",
    "/simulated-okta/apps/sign-in",
    "/simulated-okta/apps/provisioning",
    "/simulated-okta/security/api",
    "/simulated-okta/requests",
    "/simulated-okta/scenarios",
]


@pytest.mark.parametrize("width", [375, 1280])
def test_no_serious_accessibility_violations(page, sim_app, sim_server, world, demo, width):
    connect_scim(sim_app, demo, world, sim_server)
    world.assign(PROVISIONING_APP, group_id="00gsimengineering01")
    world.push_group("00gsimengineering01")  # the tables and the request log have rows
    page.set_viewport_size({"width": width, "height": 900})
    axe, problems = Axe(), []
    for path in PAGES:
        page.goto(sim_server.url + path)
        expect(page.get_by_text("Development only · not a real Okta")).to_be_visible()
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{path} @{width}px: {violation['id']} {targets}")
    assert not problems, "\n".join(problems)
