"""A minimal OpenID provider on 127.0.0.1 whose ID tokens the test writes itself (wrong
aud, wrong iss, expired, bad signature, nonce, unknown kid), to prove our checks: Simulated
Okta's provider (wizard/simulator/openid_provider.py) with short paths, no registered app
and every authorize approved at once for ``claims`` (Jane)."""

from wizard.simulator.openid_provider import OpenIdProvider

CRAFTED_PATHS = {
    "authorize": "/authorize",
    "token": "/token",
    "jwks": "/jwks",
    "userinfo": "/userinfo",
    "logout": "/logout",
}


class CraftedProvider(OpenIdProvider):
    def __init__(self):
        super().__init__(CRAFTED_PATHS)
