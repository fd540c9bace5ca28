"""In Chromium: a person signs in, sees the organization, changes settings, signs out."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, live_server, email, password=PASSWORD):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_admin_signs_in_sees_dashboard_and_signs_out(page, live_server, admin, screenshot):
    """The whole round trip a new admin makes, keyboard-reachable controls included."""
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login")
    screenshot("01-sign-in")
    sign_in(page, live_server, admin.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme")
    expect(page.get_by_text("active members of 10 seats")).to_be_visible()
    screenshot("02-dashboard")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(f"{live_server.url}/org/")
    expect(page).to_have_url(f"{live_server.url}/login?next=%2Forg%2F")


def test_wrong_password_shows_error_next_to_field(page, live_server, admin):
    sign_in(page, live_server, admin.email, "not the password")
    error = page.locator("#password-error")
    expect(error).to_have_text("The email or password is not correct.")
    expect(page.get_by_label("Password")).to_have_attribute(
        "aria-describedby", "password-hint password-error"
    )


def test_admin_edits_settings_and_adds_a_site(page, live_server, admin, screenshot):
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Organization name").fill("Acme Corporation")
    page.get_by_label("Time zone").select_option("Australia/Sydney")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.get_by_label("Site name").fill("Library")
    page.get_by_role("button", name="Add site").click()
    expect(page.get_by_role("link", name="Library")).to_be_visible()
    expect(page.get_by_label("Organization name")).to_have_value("Acme Corporation")
    screenshot("03-settings")


def test_narrow_screen_keeps_navigation_usable(page, live_server, admin):
    """At 375 px wide every nav item stays on screen."""
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server, admin.email)
    for name in ("Overview", "Settings", "Account"):
        link = page.get_by_role("link", name=name)
        expect(link).to_be_in_viewport()
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()


def test_printed_demo_admin_signs_in(page, live_server, app, db):
    """What `make run` prints works: the demo admin signs in and sees the organization."""
    output = app.test_cli_runner().invoke(args=["demo"]).output
    email = re.search(r"email:\s+(\S+)", output)[1]
    password = re.search(r"password:\s+(\S+)", output)[1]
    sign_in(page, live_server, email, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo Organization")
