"""Sign in with Okta (OpenID Connect), everything but the pages: the organization's
staged and live configurations (``configurations``), checking and storing what the admin
types (``settings``), the per-organization client (``clients``) and authlib's round-trip
state in the database (``oidc_state``), the signed state and verified claims (``flow``),
who a verified sign-in is (``members``, ``identities``), and whether Okta sign-in is
required (``enforcement``).

The pages that use it, ``/login/okta/<slug>/...``, are in ``wizard/auth/okta_views.py``;
the wizard's SSO step is ``wizard/connect/``."""
