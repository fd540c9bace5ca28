"""The numeric settings, each with its default and its bounds:

- ``SESSION_IDLE_HOURS``, ``SESSION_MAX_DAYS``: server-side session limits
  (wizard/domain/session_records.py): unused for SESSION_IDLE_HOURS, or older than
  SESSION_MAX_DAYS, a session ends whatever its cookie says. Positive, fractions allowed.
- ``SCIM_LOG_FLUSH_MS``, ``SCIM_LOG_BATCH_ROWS``, ``SCIM_LOG_MAX_ROWS``: the SCIM request
  log is written every FLUSH_MS or once BATCH_ROWS wait; a request finding MAX_ROWS
  queued writes them itself (wizard/scim/log_writer.py).
- ``SCIM_AUTH_CACHE_SECONDS``: how long a process may remember a SCIM token it verified;
  a revocation is seen on the next request whatever this is; 0 verifies every request
  (wizard/scim/verified_tokens.py).
"""

SESSION_LIFETIMES = {"SESSION_IDLE_HOURS": 12, "SESSION_MAX_DAYS": 7}
TUNING = {  # name: (default, least allowed): whole numbers
    "SCIM_LOG_FLUSH_MS": (200, 1),
    "SCIM_LOG_BATCH_ROWS": (500, 1),
    "SCIM_LOG_MAX_ROWS": (10_000, 1),
    "SCIM_AUTH_CACHE_SECONDS": (30, 0),
}


def check_numbers(config: dict) -> str | None:
    """Fill in the defaults and make each setting a number; the first problem, or None."""
    for name, default in SESSION_LIFETIMES.items():
        try:
            value = float(config.get(name, default))
            if not 0 < value < float("inf"):
                raise ValueError
        except (TypeError, ValueError):
            return f"{name} must be a positive number (default {default})"
        config[name] = int(value) if value.is_integer() else value
    for name, (default, least) in TUNING.items():
        try:
            value = int(str(config.get(name, default)).strip())
            if value < least:
                raise ValueError
        except (TypeError, ValueError):
            return f"{name} must be a whole number, at least {least} (default {default})"
        config[name] = value
    return None
