"""The emulator's org authorization server refuses what Okta refuses, so the connector's
tests against it prove the real flow: requests made by hand here (joserfc and plain
requests, none of the connector's code) that break one rule each."""

import time
import uuid

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from tests.fakes.okta_oauth import ASSERTION_TYPE, SERVICE_CLIENT_ID, access_token_hash

CLIENT_KEY = RSAKey.generate_key(2048, parameters={"alg": "RS256", "use": "sig"}, auto_kid=True)
DPOP_KEY = ECKey.generate_key("P-256")


@pytest.fixture
def server(okta):
    okta.add_service_app(CLIENT_KEY.as_dict(private=False))
    return okta


def assertion(server, key=CLIENT_KEY, **claims):
    now = int(time.time())
    payload = {
        "iss": SERVICE_CLIENT_ID,
        "sub": SERVICE_CLIENT_ID,
        "aud": f"{server.url}/oauth2/v1/token",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)


def proof(method, url, key=DPOP_KEY, header=None, **claims):
    payload = {"htm": method, "htu": url, "iat": int(time.time()), "jti": uuid.uuid4().hex}
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    alg = "RS256" if isinstance(key, RSAKey) else "ES256"
    fields = {"typ": "dpop+jwt", "alg": alg, "jwk": key.as_dict(private=False), **(header or {})}
    return jwt.encode(fields, payload, key)


def token_request(server, scope="okta.users.read", client_assertion=None, dpop=None):
    headers = {"DPoP": dpop} if dpop else {}
    return requests.post(
        f"{server.url}/oauth2/v1/token",
        data={
            "grant_type": "client_credentials",
            "scope": scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion or assertion(server),
        },
        headers=headers,
        timeout=10,
    )


def dpop_token(server, scope="okta.users.read") -> str:
    url = f"{server.url}/oauth2/v1/token"
    nonce = token_request(server, scope, dpop=proof("POST", url)).headers["DPoP-Nonce"]
    answer = token_request(server, scope, dpop=proof("POST", url, nonce=nonce))
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "DPoP"
    return answer.json()["access_token"]


def api_get(server, path, token, **proof_claims):
    url = f"{server.url}{path}"
    claims = {"ath": access_token_hash(token), **proof_claims}
    return requests.get(
        url,
        headers={"Authorization": f"DPoP {token}", "DPoP": proof("GET", url, **claims)},
        timeout=10,
    )


def test_the_first_token_request_is_challenged_for_a_nonce(server):
    """Okta's DPoP nonce: 400 use_dpop_nonce with a DPoP-Nonce header, then it works."""
    url = f"{server.url}/oauth2/v1/token"
    first = token_request(server, dpop=proof("POST", url))
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    nonce = first.headers["DPoP-Nonce"]
    assert token_request(server, dpop=proof("POST", url, nonce=nonce)).status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://acme.okta.com/oauth2/v1/token"},
        {"iss": "0oasomeoneelse"},
        {"exp": int(time.time()) - 10},
        {"exp": int(time.time()) + 7200},  # Okta: at most an hour away
        {"exp": None},
    ],
    ids=["aud", "iss", "expired", "too-far", "no-exp"],
)
def test_a_wrong_assertion_claim_is_invalid_client(server, claims):
    answer = token_request(server, client_assertion=assertion(server, **claims))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_an_assertion_signed_by_another_key_or_replayed_is_refused(server):
    stranger = RSAKey.generate_key(2048, parameters={"alg": "RS256"}, auto_kid=True)
    forged = token_request(server, client_assertion=assertion(server, key=stranger))
    assert forged.status_code == 401 and forged.json()["error"] == "invalid_client"
    url = f"{server.url}/oauth2/v1/token"
    once = assertion(server)
    nonce = token_request(server, dpop=proof("POST", url)).headers["DPoP-Nonce"]
    assert token_request(server, client_assertion=once, dpop=proof("POST", url, nonce=nonce)).ok
    again = token_request(server, client_assertion=once, dpop=proof("POST", url, nonce=nonce))
    assert again.status_code == 401 and again.json()["error"] == "invalid_client"


def test_dpop_proofs_are_checked_at_the_token_endpoint(server):
    url = f"{server.url}/oauth2/v1/token"
    nonce = token_request(server, dpop=proof("POST", url)).headers["DPoP-Nonce"]
    for bad in (
        None,
        proof("GET", url, nonce=nonce),
        proof("POST", f"{url}?x=1", nonce=nonce),
        proof("POST", url, nonce=nonce, iat=int(time.time()) - 600),
        proof("POST", url, nonce=nonce, header={"typ": "JWT"}),
        proof("POST", url, key=CLIENT_KEY, nonce=nonce),  # Okta: a separate key for DPoP
    ):
        answer = token_request(server, dpop=bad)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_dpop_proof"


def test_a_scope_not_granted_is_invalid_scope(server):
    server.oauth.apps[SERVICE_CLIENT_ID].scopes.discard("okta.groups.read")
    url = f"{server.url}/oauth2/v1/token"
    nonce = token_request(server, dpop=proof("POST", url)).headers["DPoP-Nonce"]
    answer = token_request(server, "okta.groups.read", dpop=proof("POST", url, nonce=nonce))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_scope"


def test_api_calls_check_the_proof_the_scope_and_expiry(server):
    server.add_users(2)
    token = dpop_token(server)
    assert api_get(server, "/api/v1/users", token).status_code == 200
    for claims in ({"ath": "wrong"}, {"htm": "POST"}, {"htu": f"{server.url}/api/v1/groups"}):
        refused = api_get(server, "/api/v1/users", token, **claims)
        assert (
            refused.status_code == 401
            and 'error="invalid_dpop_proof"' in (refused.headers["WWW-Authenticate"])
        )
    bearer = requests.get(
        f"{server.url}/api/v1/users", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert bearer.status_code == 401  # a DPoP-bound token is useless without its key
    groups = api_get(server, "/api/v1/groups", token)
    assert groups.status_code == 403
    assert 'error="insufficient_scope"' in groups.headers["WWW-Authenticate"]
    assert 'scope="okta.groups.read"' in groups.headers["WWW-Authenticate"]
    server.oauth.expire_tokens()
    expired = api_get(server, "/api/v1/users", token)
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]


def test_a_replayed_proof_and_a_missing_api_nonce_are_refused(server):
    token = dpop_token(server)
    url = f"{server.url}/api/v1/users"
    once = proof("GET", url, ath=access_token_hash(token))
    headers = {"Authorization": f"DPoP {token}", "DPoP": once}
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    assert requests.get(url, headers=headers, timeout=10).status_code == 401
    server.oauth.require_api_nonce = True
    asked = api_get(server, "/api/v1/users", token)
    assert asked.status_code == 401
    assert 'error="use_dpop_nonce"' in asked.headers["WWW-Authenticate"]
    nonce = asked.headers["DPoP-Nonce"]
    assert api_get(server, "/api/v1/users", token, nonce=nonce).status_code == 200


def test_an_app_without_an_admin_role_may_read_nothing(server):
    server.oauth.apps[SERVICE_CLIENT_ID].roles = []
    answer = api_get(server, "/api/v1/users", dpop_token(server))
    assert answer.status_code == 403 and answer.json()["errorCode"] == "E0000006"
