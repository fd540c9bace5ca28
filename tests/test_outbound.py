"""The outbound door: every target in tests/fixtures/hostile_outbound.json is refused by
the discovery check and by the Okta API client with nothing fetched, with
OUTBOUND_ALLOW_LOOPBACK off as in production."""

import json
import socket
import threading
from pathlib import Path

import pytest
import requests

from tests.conftest import LiveServer, app_config
from tests.fakes.okta_api import TOKEN
from tests.fakes.recorder import Recorder
from tests.fakes.tls import LocalAuthority
from wizard import create_app, dns, outbound
from wizard.models import TrustedHost
from wizard.sso import settings as sso_settings
from wizard.sso.settings import SsoSettingsError
from wizard.sync.okta_api import OktaApiError, OktaClient

CORPUS = json.loads((Path(__file__).parent / "fixtures" / "hostile_outbound.json").read_text())


@pytest.fixture
def recorders():
    """A recording server on 127.0.0.1 and one on [::1]: what must never be reached."""
    servers = [Recorder("127.0.0.1").start(), Recorder("::1").start()]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def strict(app, dns_server):
    """Production's outbound rules (no loopback), names answered by the test DNS server."""
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = False
    with app.app_context():
        yield dns_server


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[c["id"] for c in CORPUS["cases"]])
def test_hostile_target_is_refused_with_nothing_fetched(strict, recorders, case):
    """Each hostile target: the discovery check and the API client refuse it with our own
    explanation, and neither recording server saw a request."""
    for name, records in case.get("dns", {}).items():
        for kind, values in records.items():
            strict.zone.set(name, kind, *values)
    url = case["url"].format(port=recorders[0].port, port6=recorders[1].port)
    with pytest.raises(SsoSettingsError) as refused:
        sso_settings.fetch_discovery(url)
    assert case["refusal"] in refused.value.message
    with pytest.raises(OktaApiError) as api_refused:
        OktaClient(url, TOKEN, sleep=lambda s: None).get("/api/v1/users/me")
    assert api_refused.value.kind == "refused" and case["refusal"] in api_refused.value.message
    assert recorders[0].requests == [] and recorders[1].requests == []


# --- pinning: the connection goes to the address that was checked ------------------------


@pytest.fixture
def trusted_idp(app, org, dns_server):
    """idp.example.com on the organization's trusted hosts, answered by the test DNS."""
    TrustedHost.create(organization=org, host="idp.example.com")
    dns_server.zone.set("idp.example.com", "A", "127.0.0.1")
    return dns_server


def test_dns_rebinding_cannot_swap_the_checked_address(app, org, trusted_idp, monkeypatch):
    """The name answers 127.0.0.1 (checked, allowed in development), then the attacker's
    second answer says 127.0.0.2: the request still goes to the checked address, named by
    its host, and the name is looked up once."""
    first = Recorder("127.0.0.1").start()
    second = Recorder("127.0.0.2", port=first.port).start()
    lookups = []
    real_addresses = dns.addresses

    def rebinding(host, setting=None):
        found = real_addresses(host, setting)
        lookups.append(host)
        trusted_idp.zone.set("idp.example.com", "A", "127.0.0.2")  # TTL 0: a new answer
        return found

    monkeypatch.setattr(dns, "addresses", rebinding)
    try:
        with app.app_context(), outbound.session(org) as http:
            response = http.get(f"http://idp.example.com:{first.port}/x", timeout=5)
    finally:
        first.stop()
        second.stop()
    assert response.status_code == 200 and lookups == ["idp.example.com"]
    assert [r["host"] for r in first.requests] == [f"idp.example.com:{first.port}"]
    assert second.requests == []


def test_public_then_loopback_answer_dials_the_pinned_public_address(strict, org, recorders):
    """With loopback refused: the first answer is public and checked; the connection the
    adapter makes is to that address (SNI and certificate for the name), whatever DNS
    answers afterwards. Nothing is sent anywhere."""
    TrustedHost.create(organization=org, host="idp.example.com")
    strict.zone.set("idp.example.com", "A", "93.184.215.14")
    with outbound.session(org) as http:
        request = http.prepare_request(
            requests.Request("GET", f"https://idp.example.com:{recorders[0].port}/")
        )
        pool = http.get_adapter(request.url).get_connection_with_tls_context(request, True)
        strict.zone.set("idp.example.com", "A", "127.0.0.1")  # the rebinding answer
        connection = pool._new_conn()  # what the pool dials, without dialing
    assert (connection.host, connection.port) == ("93.184.215.14", recorders[0].port)
    assert connection.server_hostname == connection.assert_hostname == "idp.example.com"
    assert request.headers["Host"] == f"idp.example.com:{recorders[0].port}"
    assert recorders[0].requests == []


def test_tls_is_verified_for_the_name_while_connecting_to_the_address(
    app, org, trusted_idp, tmp_path
):
    """HTTPS to idp.example.com pinned to 127.0.0.1: the certificate must be for the name
    (sent as SNI); one for another name fails as a TLS error."""
    authority = LocalAuthority(tmp_path)
    good = Recorder("127.0.0.1", ssl_context=authority.server_context("idp.example.com"))
    bad = Recorder("127.0.0.1", ssl_context=authority.server_context("other.example.com"))
    good.start(), bad.start()
    try:
        with app.app_context(), outbound.session(org) as http:
            http.verify = str(authority.ca_path)
            ok = http.get(f"https://idp.example.com:{good.port}/x", timeout=5)
            with pytest.raises(outbound.OutboundError) as refused:
                http.get(f"https://idp.example.com:{bad.port}/x", timeout=5)
    finally:
        good.stop()
        bad.stop()
    assert ok.status_code == 200 and good.requests[0]["host"] == f"idp.example.com:{good.port}"
    assert refused.value.failure is outbound.Failure.TLS and bad.requests == []


def test_a_host_removed_from_the_trusted_list_is_refused_again(app, org, trusted_idp, recorders):
    with app.app_context():
        with outbound.session(org) as http:
            assert http.get(f"http://idp.example.com:{recorders[0].port}/").status_code == 200
        TrustedHost.delete().execute()
        with outbound.session(org) as http, pytest.raises(outbound.OutboundError) as refused:
            http.get(f"http://idp.example.com:{recorders[0].port}/")
    assert "Trusted hosts" in refused.value.message and len(recorders[0].requests) == 1


def test_another_organizations_trusted_host_is_not_ours(app, org, other_org, dns_server):
    TrustedHost.create(organization=other_org, host="idp.example.com")
    dns_server.zone.set("idp.example.com", "A", "127.0.0.1")
    with app.app_context(), pytest.raises(outbound.OutboundError) as refused:
        outbound.check("http://idp.example.com:1/", org)
    assert "not one of this organization's trusted hosts" in refused.value.message


# --- bounds --------------------------------------------------------------------------------


def test_a_body_dripped_slowly_is_cut_at_the_time_bound(app, monkeypatch):
    """A server sending one byte at a time stays under the read timeout forever; the
    whole answer has its own bound."""
    monkeypatch.setattr("wizard.outbound.transport.BODY_SECONDS", 0.3)
    stop = threading.Event()

    def drip(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        for _ in range(200):  # at most 10 s, ended by the client's refusal first
            if stop.wait(0.05):
                return
            yield b" "

    server = LiveServer(drip).start()
    try:
        with (
            app.app_context(),
            outbound.session() as http,
            pytest.raises(outbound.OutboundError) as slow,
        ):
            http.get(server.url, timeout=5)
    finally:
        stop.set()
        server.stop()
    assert slow.value.failure is outbound.Failure.TIMEOUT


class DeclaredDrip:
    """A raw HTTP server that declares a body of ``size`` bytes and sends it one byte
    every 50 ms; ``sent`` counts the bytes the client took before hanging up."""

    def __init__(self, size: int = 200):
        self.size, self.sent = size, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _ = self.listener.accept()
        with connection:
            connection.recv(65536)
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {self.size}\r\n\r\n"
            connection.sendall(head.encode())
            for _ in range(self.size):  # at most 10 s
                threading.Event().wait(0.05)
                try:
                    connection.sendall(b" ")
                except OSError:
                    return
                self.sent += 1

    def stop(self):
        self.thread.join(timeout=15)
        self.listener.close()


def test_a_declared_body_dripped_slowly_is_cut_at_the_time_bound(app, monkeypatch):
    """With a Content-Length the body was read in 64 KB pieces, each waiting for the whole
    piece or the end, every byte within the read timeout: the time bound was checked
    only once the server had sent everything (a large body dripped held a worker for
    days). The client now hangs up at the bound, long before the end."""
    monkeypatch.setattr("wizard.outbound.transport.BODY_SECONDS", 0.3)
    server = DeclaredDrip()
    try:
        with (
            app.app_context(),
            outbound.session() as http,
            pytest.raises(outbound.OutboundError) as slow,
        ):
            http.get(f"http://127.0.0.1:{server.port}/", timeout=5)
    finally:
        server.stop()
    assert slow.value.failure is outbound.Failure.TIMEOUT
    assert server.sent < server.size


def test_timeouts_are_always_bounded():
    from wizard.outbound.transport import CONNECT_TIMEOUT, READ_TIMEOUT, bounded_timeout

    assert bounded_timeout(None) == (CONNECT_TIMEOUT, READ_TIMEOUT)
    assert bounded_timeout(600) == (CONNECT_TIMEOUT, READ_TIMEOUT)
    assert bounded_timeout(0.5) == (0.5, 0.5)
    assert bounded_timeout((1, None)) == (1, READ_TIMEOUT)


# --- the egress proxy ----------------------------------------------------------------------


def test_with_an_egress_proxy_requests_go_to_the_proxy_only(app, dns_server):
    """OUTBOUND_PROXY (e.g. Smokescreen): we check the host, the proxy resolves the name
    and enforces the addresses; we look nothing up and connect to nothing else."""
    seen, ready = [], threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def proxy():
        ready.set()
        connection, _ = listener.accept()
        with connection:
            seen.append(connection.recv(4096).split(b"\r\n")[0])
            connection.sendall(b"HTTP/1.1 407 Denied\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=proxy, daemon=True)
    thread.start()
    ready.wait(5)
    app.config.update(
        OUTBOUND_ALLOW_LOOPBACK=False,
        OUTBOUND_PROXY=f"http://127.0.0.1:{listener.getsockname()[1]}",
    )
    try:
        with app.app_context(), outbound.session() as http:
            with pytest.raises(outbound.OutboundError) as refused:
                http.get("https://acme.okta.com/api/v1/users/me", timeout=5)
            with pytest.raises(outbound.OutboundError) as not_allowed:
                http.get("https://evil.example.com/", timeout=5)
    finally:
        thread.join(timeout=5)
        listener.close()
    assert len(seen) == 1 and seen[0].startswith(b"CONNECT acme.okta.com:443 HTTP/1.")
    assert refused.value.failure is outbound.Failure.NETWORK and "proxy" in refused.value.message
    assert not_allowed.value.failure is outbound.Failure.REFUSED
    assert dns_server.zone.queries == []


# --- the setting ---------------------------------------------------------------------------


def test_loopback_is_allowed_by_default_in_development_only(tmp_path):
    development = app_config(tmp_path, f"sqlite:///{tmp_path / 'd.db'}")
    assert create_app(development).config["OUTBOUND_ALLOW_LOOPBACK"] is True
    off = create_app({**development, "OUTBOUND_ALLOW_LOOPBACK": "0"})
    assert off.config["OUTBOUND_ALLOW_LOOPBACK"] is False
    production = {
        **development,
        "APP_ENV": "production",
        "PUBLIC_BASE_URL": "https://c.example.com",
        "MAIL_BACKEND": "none",  # production accepts smtp or none (the tests' locmem is dev)
    }
    assert create_app(production).config["OUTBOUND_ALLOW_LOOPBACK"] is False


@pytest.mark.parametrize("value", ["1", "true", True])
def test_production_refuses_to_start_with_loopback_allowed(tmp_path, value):
    config = app_config(tmp_path, f"sqlite:///{tmp_path / 'p.db'}")
    config.update(APP_ENV="production", PUBLIC_BASE_URL="https://c.example.com")
    with pytest.raises(SystemExit, match="OUTBOUND_ALLOW_LOOPBACK is for development only"):
        create_app({**config, "OUTBOUND_ALLOW_LOOPBACK": value})


def test_outside_the_app_the_door_applies_production_rules(recorders):
    with outbound.session() as http, pytest.raises(outbound.OutboundError) as refused:
        http.get(recorders[0].url)
    assert "loopback" in refused.value.message and recorders[0].requests == []


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"OUTBOUND_ALLOW_LOOPBACK": "maybe"}, "must be 1 or 0"),
        ({"OUTBOUND_PROXY": "smokescreen:4750"}, "OUTBOUND_PROXY must be http://host:port"),
        ({"OUTBOUND_CA_BUNDLE": "/nonexistent/ca.pem"}, "OUTBOUND_CA_BUNDLE must be the path"),
    ],
)
def test_bad_outbound_settings_refuse_to_start(tmp_path, setting, message):
    config = app_config(tmp_path, f"sqlite:///{tmp_path / 'b.db'}")
    with pytest.raises(SystemExit, match=message):
        create_app({**config, **setting})
