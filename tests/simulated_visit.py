"""A visitor's browser without a browser: one ``requests`` session against the live
server, following what the pages say (forms with their CSRF tokens, redirects one at a
time). The browser tests walk the same paths in Chromium (tests/test_browser_tour.py)."""

from urllib.parse import urlsplit

import requests

from tests.conftest import csrf_token
from wizard.db import database
from wizard.domain.email_domain_verification import verify_without_dns
from wizard.domain.email_domains import claim
from wizard.simulator.world import SIGN_IN_APP
from wizard.sso import configurations as sso_configurations
from wizard.sso import settings as sso_settings


class Visitor:
    def __init__(self, server):
        self.base = server.url
        self.http = requests.Session()

    def get(self, path: str, **kwargs):
        url = path if path.startswith("http") else self.base + path
        return self.http.get(url, allow_redirects=False, timeout=30, **kwargs)

    def post_form(self, form_page: str, action: str, data: dict | None = None):
        """POST ``data`` to ``action`` with the CSRF token of ``form_page``."""
        token = csrf_token(self.get(form_page).text)
        return self.http.post(
            self.base + action,
            data={**(data or {}), "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )

    def sign_in(self, email: str, password: str):
        answer = self.post_form("/login", "/login", {"email": email, "password": password})
        assert answer.status_code == 302, answer.text
        return answer

    def okta_sign_in(self, start, person: str):
        """From our redirect to Simulated Okta's authorize: its sign-in page, ``person``
        picked, and our callback's answer."""
        assert start.status_code == 302, start.text
        authorize = self.get(start.headers["Location"])
        assert authorize.status_code == 302, authorize.text
        chooser = urlsplit(authorize.headers["Location"])
        page = f"{chooser.path}?{chooser.query}"
        request_id = chooser.query.partition("request=")[2]
        picked = self.post_form(
            page, "/simulated-okta/sign-in", {"request_id": request_id, "person": person}
        )
        assert picked.status_code == 302, picked.text
        return self.get(picked.headers["Location"])


def configure_sign_in(app, organization, world, server, *, activate: bool = True):
    """What the visitor types in the wizard's SSO step, from the simulated sign-in app;
    the redirect URI pasted into it; the demo's domain verified (make run's demo does)."""
    from wizard.domain import connections

    client = world.sign_in_client
    base = f"{server.url}/login/okta/{organization.slug}"
    client.redirect_uris = [f"{base}/callback"]
    client.post_logout_redirect_uris = [f"{base}/signed-out"]
    with app.app_context(), database.connection_context():
        connection = connections.ensure_connection(organization)
        sso_settings.save_sso_settings(
            connection,
            okta_domain=server.okta_url,
            client_id=SIGN_IN_APP,
            client_secret=client.client_secret,
            email_domain=world.domain,
        )
        pending = sso_configurations.pending(connection)
        if activate and pending is not None:
            sso_configurations.activate(pending, actor_label="tests")
        domain, _ = claim(organization, world.domain)
        verify_without_dns(domain)
    return connection
