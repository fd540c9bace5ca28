"""The outbound door: every target in tests/fixtures/hostile_outbound.json is refused by
the discovery check and by the Okta API client with nothing fetched, with
OUTBOUND_ALLOW_LOOPBACK off as in production."""

import json
from pathlib import Path

import pytest

from tests.fakes.okta_api import TOKEN
from tests.fakes.recorder import Recorder
from wizard import sso_settings
from wizard.sso_settings import SsoSettingsError
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
