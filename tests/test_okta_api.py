"""The Okta API client against the emulator: paging, rate limits, retries, budgets."""

import pytest

from tests.fakes.okta_api import TOKEN
from wizard.sync.okta_api import OktaApiError, OktaClient

# The emulator is on 127.0.0.1: the development app's outbound rules allow loopback
# (outside an app the door applies production's rules and refuses it).
pytestmark = pytest.mark.usefixtures("app_context")


def client(okta, **kwargs):
    return OktaClient(okta.url, TOKEN, **kwargs)


def test_pages_follow_link_next_with_limit_200(okta):
    okta.add_users(450)
    api = client(okta)
    users = list(api.pages("/api/v1/users"))
    assert len(users) == 450 and len({u["id"] for u in users}) == 450
    assert api.calls == 3


def test_user_listing_follows_users_added_and_removed_since_the_last_listing(okta):
    """The emulator keeps its users' ids as a list for paging: a user added, removed or
    written again through any door of the dict is listed as Okta would list it."""
    okta.add_users(3)
    api = client(okta)
    assert [u["id"] for u in api.pages("/api/v1/users")] == ["00u000001", "00u000002", "00u000003"]
    okta.delete_user("00u000002")
    okta.users["00u000009"] = {**okta.users["00u000001"], "id": "00u000009"}
    okta.users["00u000001"] = {**okta.users["00u000001"], "status": "SUSPENDED"}
    okta.users.update({"00u000010": {**okta.users["00u000003"], "id": "00u000010"}})
    listed = list(api.pages("/api/v1/users"))
    assert [u["id"] for u in listed] == ["00u000001", "00u000003", "00u000009", "00u000010"]
    assert listed[0]["status"] == "SUSPENDED"


def test_sends_ssws_token_and_explains_an_expired_one(okta):
    with pytest.raises(OktaApiError) as error:
        OktaClient(okta.url, "expired").get("/api/v1/users/me")
    assert error.value.kind == "auth" and error.value.code == "E0000011"
    assert "Security > API > Tokens" in error.value.message


def test_waits_for_the_rate_limit_reset_then_goes_on(okta):
    okta.add_users(5)
    okta.page_size = 1
    okta.rate_limit_every = 3
    waits = []
    api = client(okta, sleep=waits.append)
    assert len(list(api.pages("/api/v1/users"))) == 5
    assert waits and all(0 < w <= 60 for w in waits)


def test_retries_server_errors_with_backoff(okta):
    okta.fail_next = 2
    waits = []
    assert client(okta, sleep=waits.append).get("/api/v1/users/me")["id"] == "00uadmin"
    assert waits == [0.5, 1.0]


def test_gives_up_after_bounded_retries(okta):
    okta.fail_next = 99
    with pytest.raises(OktaApiError) as error:
        client(okta, sleep=lambda s: None).get("/api/v1/users/me")
    assert error.value.kind == "server" and error.value.status == 500


def test_time_budget_stops_a_slow_run(okta):
    okta.add_users(3)
    okta.page_size = 1
    okta.delay = 0.2
    with pytest.raises(OktaApiError) as error:
        list(client(okta, budget_seconds=0.3).pages("/api/v1/users"))
    assert error.value.kind in ("budget", "timeout")


def test_forbidden_and_not_found_are_explained(okta):
    okta.forbidden_paths.add("/api/v1/users/00uadmin/roles")
    with pytest.raises(OktaApiError) as error:
        client(okta).get("/api/v1/users/00uadmin/roles")
    assert error.value.kind == "forbidden"
    with pytest.raises(OktaApiError) as missing:
        client(okta).get("/api/v1/nothing")
    assert missing.value.kind == "not_found" and "org URL" in missing.value.message


def test_nothing_listening_is_a_network_error():
    with pytest.raises(OktaApiError) as error:
        OktaClient("http://127.0.0.1:1", TOKEN, sleep=lambda s: None).get("/api/v1/users/me")
    assert error.value.kind == "network"
