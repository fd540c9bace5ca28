"""gunicorn settings we ship: `gunicorn -c gunicorn.conf.py 'app:app'` (README, docs/operations.md).

Workers, threads and the bind address stay on the command line (they depend on the
host); what is here is what the app needs whatever the host.
"""

import os

# The request line holds a SCIM filter. gunicorn's default (4,094 bytes) answers a long one
# with its own plain-text page; 8,190 is its maximum, room for any filter the app accepts
# (2,000 characters, even percent-encoded), so a longer one gets our SCIM error instead.
limit_request_line = 8190


def rate_limit_warning(workers: int, storage: str) -> str | None:
    """Counters kept in memory are per worker: each one allows the full limit."""
    if workers > 1 and storage.startswith("memory://"):
        return (
            f"okta-connector: {workers} workers with RATE_LIMIT_STORAGE={storage}: each worker "
            "counts sign-in and SCIM authentication failures on its own, so the limits are "
            f"{workers} times looser. Set RATE_LIMIT_STORAGE to a shared store "
            "(e.g. redis://host:6379) in production."
        )
    return None


def on_starting(server):
    warning = rate_limit_warning(
        server.cfg.workers, os.environ.get("RATE_LIMIT_STORAGE", "memory://")
    )
    if warning:
        server.log.warning(warning)
