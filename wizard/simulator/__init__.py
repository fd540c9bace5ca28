"""Simulated Okta: one stand-in for Okta, used by the tests, ``make run`` and bench/.

The protocol parts are plain WSGI apps that need no Flask app state, so a test serves
each on its own 127.0.0.1 port:
- ``management_api.OktaEmulator``: the management API (users, groups, apps, roles,
  paging, rate limits) behind an SSWS token or the OAuth service app;
- ``oauth_server.OrgAuthorizationServer``: the org authorization server's client
  credentials grant (private_key_jwt, DPoP, scopes) for API Services apps;
- ``openid_provider.OpenIdProvider``: sign-in (discovery, authorize, token, keys,
  userinfo, end-session);
- ``provisioning``: Okta's provisioning engine, sending SCIM requests in Okta's
  documented sequences to the endpoint and token the visitor pasted.

In development (``SIMULATED_OKTA=1``, which ``make run`` sets) ``mount`` serves all of
it under ``/simulated-okta`` on our own address, with console pages (wizard/simulator/
console/) where a visitor edits the simulated directory and apps and breaks things on
purpose. Production refuses to start with it on (config.py).
"""
