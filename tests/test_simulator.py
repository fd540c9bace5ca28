"""Simulated Okta in the product: only in development, reached at its own address only,
and every Okta part the product uses works against it over real HTTP (sign-in with
PKCE, the management API sync with an SSWS token and with the OAuth service app)."""

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from werkzeug.test import Client

from tests.conftest import csrf_token, run_sync_now
from tests.simulated_okta import connect_scim
from tests.simulated_visit import Visitor, configure_sign_in
from wizard.config import UnsafeConfiguration, build_config
from wizard.db import database
from wizard.models import Member, OktaConnection, SsoConfiguration, SsoState, SyncSettings
from wizard.outbound import OutboundError, check
from wizard.outbound.policy import Policy, Refused
from wizard.simulator import seed, store
from wizard.simulator.world import PROVISIONING_APP, SIGN_IN_APP, SimulatedOkta
from wizard.sync import api_connection

ROOT = Path(__file__).resolve().parent.parent
ADA, OMAR = seed.person_id(1), seed.person_id(10)


# --- where it runs ----------------------------------------------------------------------


def production(**extra) -> dict:
    return {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PUBLIC_BASE_URL": "https://connector.example.com",
        **extra,
    }


def test_production_refuses_the_simulator_in_one_line(tmp_path):
    """APP_ENV=production with SIMULATED_OKTA on: `flask run` exits with one line naming
    the variable (a subprocess, as an operator would start it)."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "run"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **production(SIMULATED_OKTA="1")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "okta-connector refuses to start: SIMULATED_OKTA is for development only: "
        "unset it in production"
    ]
    with pytest.raises(UnsafeConfiguration, match="SIMULATED_OKTA is for development only"):
        build_config(str(tmp_path), production(SIMULATED_OKTA="true"))


def test_it_needs_a_public_url_on_this_machine(tmp_path):
    with pytest.raises(UnsafeConfiguration, match="SIMULATED_OKTA serves Simulated Okta"):
        build_config(
            str(tmp_path),
            {
                "APP_ENV": "development",
                "SIMULATED_OKTA": "1",
                "PUBLIC_BASE_URL": "https://dev.example.com",
            },
        )


def test_off_unless_asked_for(client):
    """Without SIMULATED_OKTA nothing answers below /simulated-okta."""
    for path in (
        "/simulated-okta/",
        "/simulated-okta/api/v1/users",
        "/simulated-okta/.well-known/openid-configuration",
    ):
        assert client.get(path).status_code == 404


def test_make_run_turns_it_on():
    makefile = (ROOT / "Makefile").read_text()
    assert "SIMULATED_OKTA=1" in makefile


# --- the outbound door: exactly its own address -------------------------------------------


SIMULATOR = "http://127.0.0.1:5000/simulated-okta"


@pytest.mark.parametrize(
    "url",
    [
        f"{SIMULATOR}/.well-known/openid-configuration",
        f"{SIMULATOR}/api/v1/users?limit=200",
        f"{SIMULATOR}/oauth2/v1/token",
        SIMULATOR,
    ],
)
def test_the_door_opens_for_the_simulator(url):
    target = Policy(simulated_okta=SIMULATOR).check(url)
    assert (target.address, target.port) == ("127.0.0.1", 5000)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000/scim/v2/abc/Users",  # our own app beside it
        "http://127.0.0.1:5000/simulated-oktax/api/v1/users",
        "http://127.0.0.1:5000/simulated-okta/../scim/v2/abc/Users",
        "http://127.0.0.1:5000/simulated-okta/%2e%2e/scim/v2/abc/Users",
        "http://127.0.0.1:5001/simulated-okta/api/v1/users",  # another port
        "http://127.0.0.2:5000/simulated-okta/api/v1/users",  # another loopback address
        "http://localhost:5000/simulated-okta/api/v1/users",  # another name for it
        "https://127.0.0.1:5000/simulated-okta/api/v1/users",
        "http://[::1]:5000/simulated-okta/api/v1/users",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_nothing_wider_than_the_simulator(url):
    with pytest.raises(Refused):
        Policy(simulated_okta=SIMULATOR).check(url)


def test_the_simulator_mode_keeps_loopback_closed(sim_app):
    """In the app: loopback in general is off with the simulator on, so only its address."""
    assert sim_app.config["OUTBOUND_ALLOW_LOOPBACK"] is False
    with sim_app.app_context():
        check(sim_app.config["SIMULATED_OKTA_URL"] + "/api/v1/users", None)
        with pytest.raises(OutboundError):
            check("http://127.0.0.1:5000/healthz", None)


# --- the console -------------------------------------------------------------------------


def test_console_forms_need_their_csrf_token(sim_app, world):
    client = sim_app.test_client()
    page = client.get("/simulated-okta/people")
    assert page.status_code == 200 and "Development only" in page.text
    data = {"firstName": "Nia", "lastName": "Long", "email": "nia.long@demo.example.com"}
    assert client.post("/simulated-okta/people", data=data).status_code == 400
    assert not any(u["profile"]["email"] == data["email"] for u in world.api.users.values())
    added = client.post(
        "/simulated-okta/people", data={**data, "csrf_token": csrf_token(page.text)}
    )
    assert added.status_code == 302
    assert any(u["profile"]["login"] == data["email"] for u in world.api.users.values())


def test_a_bad_person_form_says_why_next_to_the_field(sim_app):
    client = sim_app.test_client()
    page = client.get("/simulated-okta/people")
    answer = client.post(
        "/simulated-okta/people",
        data={
            "firstName": "Nia",
            "lastName": "",
            "email": "not-an-email",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert answer.status_code == 400
    assert 'id="email-error"' in answer.text and 'id="lastName-error"' in answer.text


def test_the_org_survives_a_restart(sim_app, world, tmp_path):
    world.edit_person(ADA, {"title": "Countess"})
    world.assign(SIGN_IN_APP, user_id=ADA)
    path = tmp_path / "saved.json"
    store.save(world, path)
    again = store.load(path, world.domain)
    assert again.person(ADA)["profile"]["title"] == "Countess"
    assert again.api.app_users[SIGN_IN_APP] == [ADA]
    assert again.sign_in_client.client_secret == world.sign_in_client.client_secret
    assert again.openid.signing_key.kid == world.openid.signing_key.kid
    assert json.loads(path.read_text())["version"] == store.VERSION
    # The restored org answers Okta's listings as the first one did.
    listing = Client(again.api).get(
        "/api/v1/users?limit=200", headers={"Authorization": f"SSWS {again.api.token}"}
    )
    assert listing.status_code == 200
    assert [u["id"] for u in listing.json] == list(world.api.users)


def test_a_seeded_org_is_saved_at_first_start(sim_app):
    saved = Path(sim_app.instance_path) / "simulated-okta.json"
    data = json.loads(saved.read_text())
    assert data["domain"] == "demo.example.com"
    assert len(data["api"]["users"]) == len(seed.PEOPLE)


# --- sign-in against the simulator's OpenID provider --------------------------------------


@pytest.fixture
def visitor(sim_app, sim_server, world, demo):
    world.assign(SIGN_IN_APP, group_id="00gsimeveryone00003")
    return Visitor(sim_server)


def test_test_sign_in_through_the_simulator_makes_the_configuration_live(
    sim_app, sim_server, world, demo, visitor
):
    connection = configure_sign_in(sim_app, demo, world, sim_server, activate=False)
    visitor.sign_in(demo.admin.email, demo.password)
    start = visitor.post_form("/connect/okta/sso", "/login/okta/demo/test")
    back = visitor.okta_sign_in(start, ADA)
    assert back.status_code == 302 and back.headers["Location"].endswith("/connect/okta/sso")
    page = visitor.get("/connect/okta/sso").text
    assert "ada.lovelace@demo.example.com" in page
    with database.connection_context():
        live = SsoConfiguration.get(SsoConfiguration.connection == connection.id)
        assert live.state == SsoState.LIVE and live.issuer == sim_server.okta_url


def test_a_member_signs_in_with_pkce_and_the_client_secret(
    sim_app, sim_server, world, demo, visitor
):
    """Ada, provisioned by the simulator's SCIM push, signs in through its provider."""
    configure_sign_in(sim_app, demo, world, sim_server)
    connect_scim(sim_app, demo, world, sim_server)
    world.assign(PROVISIONING_APP, user_id=ADA)
    signed_in = visitor.okta_sign_in(visitor.get("/login/okta/demo"), ADA)
    assert signed_in.status_code == 302, signed_in.text
    exchange = world.openid.token_requests[-1]
    assert exchange["code_verifier"] and exchange["grant_type"] == "authorization_code"
    with database.connection_context():
        ada = Member.get(Member.email_key == "ada.lovelace@demo.example.com")
    assert ada.active and visitor.get("/account").status_code == 200


def test_sign_out_ends_the_okta_session_too(sim_app, sim_server, world, demo, visitor):
    """Our sign-out goes to the simulator's end-session endpoint, which sends the browser
    back to our registered sign-out redirect URI only."""
    configure_sign_in(sim_app, demo, world, sim_server)
    connect_scim(sim_app, demo, world, sim_server)
    world.assign(PROVISIONING_APP, user_id=ADA)
    visitor.okta_sign_in(visitor.get("/login/okta/demo"), ADA)
    out = visitor.post_form("/account", "/logout")
    assert out.headers["Location"].startswith(f"{sim_server.okta_url}/oauth2/v1/logout?")
    back = visitor.get(out.headers["Location"])
    assert back.status_code == 302
    assert back.headers["Location"].startswith(f"{sim_server.url}/login/okta/demo/signed-out")
    elsewhere = visitor.get(
        f"{sim_server.okta_url}/oauth2/v1/logout?post_logout_redirect_uri=https://evil.example.com/"
    )
    assert elsewhere.status_code == 200 and "signed out" in elsewhere.text


def test_okta_refuses_who_is_not_assigned_or_not_active(sim_app, sim_server, world, demo, visitor):
    configure_sign_in(sim_app, demo, world, sim_server)
    world.unassign(SIGN_IN_APP, group_id="00gsimeveryone00003")
    refused = visitor.okta_sign_in(visitor.get("/login/okta/demo"), ADA)
    assert refused.status_code in (400, 403) and "access_denied" not in refused.text
    assert world.openid.token_requests == []  # no code was ever issued
    world.assign(SIGN_IN_APP, user_id=OMAR)  # suspended in the seed
    suspended = visitor.okta_sign_in(visitor.get("/login/okta/demo"), OMAR)
    assert suspended.status_code in (400, 403)


def test_the_redirect_uri_must_be_registered(sim_app, sim_server, world, demo, visitor):
    configure_sign_in(sim_app, demo, world, sim_server)
    world.sign_in_client.redirect_uris = []
    authorize = visitor.get(visitor.get("/login/okta/demo").headers["Location"])
    assert authorize.status_code == 400
    assert "must be a Login redirect URI" in authorize.text


def test_a_wrong_code_verifier_or_secret_is_refused(sim_server, world):
    """The provider's own checks (RFC 7636, RFC 6749 2.3.1), straight at its endpoints."""
    import requests

    from wizard.simulator.pkce import challenge_of

    client = world.sign_in_client
    client.redirect_uris = ["http://127.0.0.1/callback"]
    world.openid.chooser = None  # approve at once, for the protocol check
    base = sim_server.okta_url

    def code(verifier="v" * 43):
        answer = requests.get(
            f"{base}/oauth2/v1/authorize",
            params={
                "client_id": SIGN_IN_APP,
                "redirect_uri": "http://127.0.0.1/callback",
                "response_type": "code",
                "scope": "openid email",
                "state": "s",
                "code_challenge": challenge_of(verifier),
                "code_challenge_method": "S256",
            },
            allow_redirects=False,
            timeout=10,
        )
        return answer.headers["Location"].split("code=")[1].split("&")[0]

    def exchange(code_value, verifier="v" * 43, secret=client.client_secret):
        return requests.post(
            f"{base}/oauth2/v1/token",
            data={
                "grant_type": "authorization_code",
                "code": code_value,
                "redirect_uri": "http://127.0.0.1/callback",
                "code_verifier": verifier,
            },
            auth=(SIGN_IN_APP, secret),
            timeout=10,
        )

    assert exchange(code(), verifier="w" * 43).json()["error"] == "invalid_grant"
    assert exchange(code(), secret="wrong").json()["error"] == "invalid_client"
    good = code()
    assert exchange(good).status_code == 200
    assert exchange(good).json()["error"] == "invalid_grant"  # a code works once


# --- the management API: the sync and Test connection --------------------------------------


def connect_api(app, organization, world, server):
    with app.app_context(), database.connection_context():
        from wizard.domain import connections

        connection = connections.ensure_connection(organization)
        api_connection.save_api_settings(connection, server.okta_url, world.api.token)
        SyncSettings.update(app_id=PROVISIONING_APP).execute()
    return connection


def test_the_sync_reads_the_simulated_directory(sim_app, sim_server, world, demo):
    world.assign(PROVISIONING_APP, group_id="00gsimengineering01")
    connect_api(sim_app, demo, world, sim_server)
    run = run_sync_now(sim_app, demo)
    assert run.status == "succeeded", run.error
    assert run.counts["created"] == 3
    with database.connection_context():
        ada = Member.get(Member.email_key == "ada.lovelace@demo.example.com")
    assert ada.external_id == ADA and ada.department == "Engineering"


def test_the_org_url_with_its_path_is_accepted_for_the_simulator_only(
    sim_app, sim_server, world, demo
):
    from wizard.sync.api_settings import ApiSettingsError, checked_org_url

    with sim_app.app_context(), database.connection_context():
        from wizard.domain import connections

        connection = connections.ensure_connection(demo)
        assert checked_org_url(connection, sim_server.okta_url + "/") == sim_server.okta_url
        with pytest.raises(ApiSettingsError):
            checked_org_url(connection, sim_server.url + "/scim")


def test_the_service_app_connects_with_private_key_jwt_and_dpop(sim_app, sim_server, world, demo):
    from wizard.sync import service_app_connection, service_app_keys

    with sim_app.app_context(), database.connection_context():
        from wizard.domain import connections

        connection = connections.ensure_connection(demo)
        public = service_app_keys.create_key_pair(connection)
    app = world.api.add_service_app(public)  # what the visitor pastes on the API page
    with sim_app.app_context(), database.connection_context():
        connection = OktaConnection.get_by_id(connection.id)
        check = service_app_connection.save_service_app(
            connection, sim_server.okta_url, app.client_id
        )
    assert check["ok"], check
    assert world.api.oauth.token_requests and all(r["dpop"] for r in world.api.oauth.token_requests)


def test_the_simulated_world_is_plain_python():
    """The protocol parts need no Flask app: a test or a benchmark builds one directly."""
    world = SimulatedOkta.seeded("acme.example.com")
    assert world.person(ADA)["profile"]["email"] == "ada.lovelace@acme.example.com"
    assert world.assign(PROVISIONING_APP, user_id=ADA) == []  # no SCIM URL pasted: nothing sent


def test_only_the_door_speaks_http():
    """docs/security.md: under wizard/, only the outbound door imports an HTTP library.
    Simulated Okta's provisioning engine sends through ``outbound.loopback_session``, the
    OAuth token source names the door's errors."""
    speakers = {
        path
        for path in (ROOT / "wizard").rglob("*.py")
        if "outbound" not in path.parts
        and any(
            line.strip().startswith(
                ("import requests", "from requests", "import httpx", "from httpx")
            )
            for line in path.read_text().splitlines()
        )
    }
    assert speakers == set()


def test_simulated_okta_provisioning_passes_the_door(sim_server):
    """Its session is the door's, narrowed to the one origin pasted as the SCIM URL: a
    redirect is refused, not followed, and nothing else on this machine is reached."""
    from wizard import outbound
    from wizard.simulator.scim_client import ScimTransport

    transport = ScimTransport(f"{sim_server.url}/scim/v2/nokey", "token")
    with pytest.raises(outbound.OutboundError, match="not the issuer's server"):
        transport.session.get("http://127.0.0.1:1/elsewhere")
    answered = transport.send("Probe", "GET", "/Users")
    assert answered.status == 401 and not answered.error  # our SCIM refusal, through the door


def test_the_simulator_adds_only_its_own_pages(app, sim_app):
    """Mounted, it adds endpoints of its own blueprint under /simulated-okta and changes
    no other route (so the permission table's walk of the URL map still covers ours)."""
    ours = {(r.rule, r.endpoint) for r in app.url_map.iter_rules()}
    mounted = {(r.rule, r.endpoint) for r in sim_app.url_map.iter_rules()}
    added = mounted - ours
    assert added and mounted >= ours
    assert all(
        rule.startswith("/simulated-okta/") and e.startswith("simulator.") for rule, e in added
    )


def test_every_console_page_renders(sim_app, world):
    from tests.test_browser_simulator import PAGES

    client = sim_app.test_client()
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert "not a real Okta" in answer.text
    assert client.get("/simulated-okta/people/00unobody").status_code == 404
    assert client.get("/simulated-okta/sign-in?request=nothing").status_code == 400
