"""The README's "Try it in five minutes", walked in Chromium on a fresh database: `make run`
started as a newcomer starts it (its own process, nothing else running), sign in as the
demo admin, Connect Okta against Simulated Okta through all eight steps with the Okta
side done in Simulated Okta's tab, push a group, see Team, run a sync, break something on
purpose and see it in Failed migrations. One screenshot per stage (test-artifacts/tour-*).
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.servers import free_port

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
START_SECONDS = 120  # migrations, the demo and the server on a loaded machine
LIVE = 30_000  # ms: a live panel or the sync status reacting to what Okta sent


class MakeRun:
    """``make run`` on a free port with its own instance folder: the way a newcomer
    starts the app (the Makefile's commands, Simulated Okta on). The venv is the one
    running the tests, never reinstalled (``-o`` its install marker)."""

    def __init__(self, instance: Path):
        venv = Path(sys.executable).parent.parent
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            ["make", "-o", f"{venv}/.installed", "run", f"VENV={venv}", f"PORT={self.port}"],
            cwd=ROOT,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "INSTANCE_PATH": str(instance)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # make and the server it starts: one group to stop
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        try:
            for line in self.process.stdout:
                self.lines.append(line.rstrip())
                if line.startswith("Serving on"):
                    self.ready.set()
        except ValueError:  # stop() closed the pipe while a straggler still held it open
            pass

    @property
    def password(self) -> str:
        return next(line.split()[-1] for line in self.lines if "password:" in line)

    def wait_ready(self) -> "MakeRun":
        deadline = time.monotonic() + START_SECONDS
        if not self.ready.wait(START_SECONDS):
            raise TimeoutError("make run did not start:\n" + "\n".join(self.lines))
        while time.monotonic() < deadline:  # the server listens a moment after the line
            if self.process.poll() is not None:
                raise RuntimeError("make run exited:\n" + "\n".join(self.lines))
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)  # polling a starting process, not waiting on a page
        raise TimeoutError("the server did not answer:\n" + "\n".join(self.lines))

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        # The reader ends at the pipe's end of file, once every process of the group is
        # gone; closing under it raised in its thread (an error in the next test's setup).
        self.reader.join(timeout=15)
        self.process.stdout.close()


@pytest.fixture
def make_run(tmp_path):
    server = MakeRun(tmp_path / "instance")
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def shot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"tour-{name}.png"), full_page=True)


def continue_(page, label="Continue →"):
    page.get_by_role("button", name=label).click()


def test_the_five_minute_tour(browser, make_run):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    app = context.new_page()

    # 1. Sign in as the demo admin `make run` printed.
    app.goto(f"{make_run.url}/login")
    app.get_by_label("Work email").fill("admin@demo.example.com")
    app.get_by_label("Password").fill(make_run.password)
    app.get_by_role("button", name="Sign in").click()
    app.get_by_role("link", name="Integrations", exact=True).click()
    shot(app, "1-integrations")
    app.get_by_role("link", name="Connect Okta").click()

    # 2. Step 1: permissions. Simulated Okta opens in its own tab from the wizard.
    expect(app.get_by_role("heading", name="1. Okta permissions")).to_be_visible()
    app.get_by_label("I have one of these Okta admin roles").check()
    with context.expect_page() as opened:
        app.get_by_role("link", name="Open Simulated Okta").click()
    okta = opened.value
    expect(okta.get_by_text("Development only · not a real Okta")).to_be_visible()
    shot(okta, "2-simulated-okta")
    continue_(app, "Get started →")

    # 3. Step 2: the two apps. The sign-in app gets our redirect URIs and everyone.
    expect(app.get_by_role("heading", name="2. Add the apps in Okta")).to_be_visible()
    login_uri, logout_uri = (
        app.locator("#login-uri").inner_text(),
        app.locator("#logout-uri").inner_text(),
    )
    okta.get_by_role("link", name="Sign-in app", exact=True).click()
    okta.get_by_label("Sign-in redirect URIs").fill(login_uri)
    okta.get_by_label("Sign-out redirect URIs").fill(logout_uri)
    okta.get_by_role("button", name="Save URIs").click()
    expect(okta.get_by_text("Sign-in redirect URIs saved.")).to_be_visible()
    okta.get_by_label("Group").select_option(label="Everyone")
    okta.get_by_role("button", name="Assign to groups").click()
    expect(okta.get_by_text("Assigned.")).to_be_visible()
    issuer = okta.locator("#sim-issuer").inner_text()
    client_id = okta.locator("#sim-client-id").inner_text()
    secret = okta.locator("#sim-client-secret").inner_text()
    shot(okta, "3-sign-in-app")
    app.get_by_label("I created both apps in Okta").check()
    continue_(app)

    # 4. Step 3: single sign-on, then the test sign-in as a simulated person.
    expect(app.get_by_role("heading", name="3. Single sign-on")).to_be_visible()
    app.get_by_label("Okta domain or issuer URL").fill(issuer)
    app.get_by_label("Client ID").fill(client_id)
    app.get_by_label("Client secret").fill(secret)
    app.get_by_label("Primary email domain").fill("demo.example.com")
    continue_(app, "Save and continue →")
    expect(app.get_by_role("heading", name="4. Provisioning credentials")).to_be_visible()
    app.get_by_role("link", name=re.compile("Single sign-on")).click()
    app.get_by_role("button", name="Test sign-in").click()
    expect(app.get_by_role("heading", name="Sign in to Simulated Okta")).to_be_visible()
    shot(app, "4-okta-sign-in")
    app.get_by_role("button", name=re.compile("^Ada Lovelace")).click()
    expect(app.get_by_text("Test sign-in passed.")).to_be_visible()
    expect(app.locator("#test-activated")).to_be_visible()
    shot(app, "5-test-sign-in")
    app.get_by_role("link", name=re.compile("Provisioning credentials")).click()

    # 5. Step 4: our SCIM URL and token into the provisioning app; Okta tests them.
    app.get_by_role("button", name="Create the bearer token").click()
    token, endpoint = app.locator("#scim-token").inner_text(), app.locator("#scim-url").inner_text()
    okta.get_by_role("link", name="Provisioning app", exact=True).click()
    okta.get_by_label("SCIM connector base URL").fill(endpoint)
    okta.get_by_label("Authorization (Bearer token)").fill(token)
    okta.get_by_role("button", name="Save and test").click()
    expect(okta.get_by_text(re.compile(r"Sent 2 SCIM request\(s\)"))).to_be_visible()
    expect(app.locator('[data-live="provisioning"]')).to_have_text(
        re.compile(r"Okta connected — verified at \d\d:\d\d"), timeout=LIVE
    )
    shot(app, "6-credentials")
    continue_(app)

    # 6. Step 5: the settings the checklist names are Simulated Okta's defaults.
    expect(app.get_by_role("heading", name="5. Provisioning settings in Okta")).to_be_visible()
    for toggle in ("Create Users", "Update User Attributes", "Deactivate Users"):
        expect(okta.get_by_label(toggle, exact=True)).to_be_checked()
    expect(okta.get_by_label("Sync Password", exact=True)).not_to_be_checked()
    for label in (
        "To App > Create Users is on",
        "To App > Update User Attributes is on",
        "To App > Deactivate Users is on",
        "To App > Sync Password is off",
        "Profile sourcing (Profile Master) is off",
        "Sign On > Application username format is Email",
    ):
        app.get_by_label(label).check()
    shot(okta, "6-to-app")
    continue_(app)

    # 7. Step 6: assign Engineering in Okta; the people arrive in the live panel.
    expect(app.get_by_role("heading", name="6. Assign people")).to_be_visible()
    okta.locator("#assign-group-0oasim0provision0002").select_option(label="Engineering")
    okta.locator("#assignments").get_by_role("button", name="Assign to groups").click()
    expect(okta.get_by_text(re.compile(r"Sent 6 SCIM request\(s\)"))).to_be_visible()
    expect(app.locator('[data-live="users-count"]')).to_have_text("3", timeout=LIVE)
    shot(app, "7-assign")
    shot(okta, "7-assign-okta")
    continue_(app)

    # 8. Step 7: Push Groups.
    expect(app.get_by_role("heading", name="7. Push groups")).to_be_visible()
    okta.get_by_label("Group to push").select_option(label="Engineering")
    okta.get_by_role("button", name="Push Groups").click()
    expect(app.locator('[data-live="groups"] tr').first).to_have_text("Engineering3", timeout=LIVE)
    shot(app, "8-push")
    continue_(app)

    # 9. Step 8: finish; Team shows who Okta sent.
    expect(app.get_by_role("heading", name="8. Finish setup")).to_be_visible()
    app.get_by_role("button", name="Finish setup").click()
    expect(app.get_by_text("Okta is connected.")).to_be_visible()
    for email in ("ada.lovelace", "grace.hopper", "alan.turing"):
        expect(app.get_by_role("link", name=f"{email}@demo.example.com")).to_be_visible()
    shot(app, "9-team")

    # 10. Run a sync: the API token from Simulated Okta, then Sync now.
    okta.get_by_role("link", name="API", exact=True).click()
    api_token = okta.locator("#sim-api-token").inner_text()
    app.get_by_role("link", name="Integrations", exact=True).click()
    app.get_by_role("link", name="Open Okta").click()
    app.get_by_role("navigation", name="Okta connection").get_by_role(
        "link", name=re.compile(r"^Okta API & sync")
    ).click()
    app.get_by_role("radio", name="API token").check()
    app.get_by_label("Okta org URL").fill(issuer)
    app.locator("#api_token").fill(api_token)
    app.get_by_role("button", name="Save and test connection").click()
    expect(app.get_by_text("Connection works.")).to_be_visible()
    app.get_by_label("Sync the people assigned to").select_option("0oasim0provision0002")
    app.get_by_role("button", name="Save and test connection").click()  # the token is kept
    expect(app.locator(".checklist .badge.bad")).to_have_count(0)
    app.get_by_role("link", name="Sync settings →").click()
    app.get_by_role("button", name="Sync now").click()
    expect(app.locator('[data-sync="status"]')).to_have_text("Succeeded", timeout=90_000)
    app.reload()
    expect(app.get_by_role("row").filter(has_text="manual").locator(".badge.ok")).to_have_text(
        "Succeeded"
    )
    shot(app, "10-sync")

    # 11. Break something on purpose: a duplicate email, seen in Failed migrations.
    okta.get_by_role("link", name="Scenarios", exact=True).click()
    okta.get_by_role("button", name="Break it: A duplicate email").click()
    expect(okta.get_by_text("Scenario on: A duplicate email.")).to_be_visible()
    shot(okta, "11-scenario")
    app.get_by_role("link", name="Team", exact=True).click()
    app.get_by_role("link", name="Failed migrations").click()
    row = app.get_by_role("row").filter(has_text=".contractor@demo.example.com")
    expect(row.locator("strong")).to_have_text("Duplicate email")
    expect(row.get_by_role("button", name="Link to existing member")).to_be_visible()
    shot(app, "12-failed-migrations")
    context.close()
