"""The tests' Okta API emulator: Simulated Okta's management API (wizard/simulator/) with
the token the tests sign in with."""

from wizard.simulator import management_api
from wizard.simulator.management_api import okta_user

TOKEN = "00okta-api-token-emulated"

__all__ = ["TOKEN", "OktaEmulator", "okta_user"]


class OktaEmulator(management_api.OktaEmulator):
    def __init__(self):
        super().__init__(token=TOKEN)
