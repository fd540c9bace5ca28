"""The pull sync (seed 000): the Okta management API client and its sign-in (an API
token, or an API Services app with DPoP), one run (``engine``: read Okta, provision or
report drift, the circuit breaker), queued and leased runs (``runs``) and the scheduler
that claims them (``jobs``). Its pages are Integrations > Okta > Okta API / Sync
(``wizard/integrations/``); its command is ``flask sync`` (``wizard/cli/sync.py``)."""
