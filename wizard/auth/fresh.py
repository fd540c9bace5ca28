"""Fresh sign-in for the critical actions (``Rule.fresh_auth`` in the permission table).

A stolen session cookie or an unattended browser must not be enough to disconnect Okta
or hand out tokens: those actions ask the member to prove it is them again, by typing
their password or by signing in with Okta again (``prompt=login``), when their last
sign-in is older than ``FRESH_AUTH_SECONDS`` (default 10 minutes).
"""

import time

from flask import current_app, flash, redirect, request, session, url_for

SESSION_KEY = "auth_at"
DEFAULT_WINDOW = 600  # seconds


def mark_authenticated() -> None:
    """Call right after the member proved who they are (sign-in or confirmation)."""
    session[SESSION_KEY] = int(time.time())


def window() -> int:
    return int(current_app.config.get("FRESH_AUTH_SECONDS", DEFAULT_WINDOW))


def is_fresh() -> bool:
    proved = session.get(SESSION_KEY)
    return isinstance(proved, int) and 0 <= time.time() - proved < window()


def ask_to_confirm():
    """Send the member to the confirmation page; they come back to where they were. A
    POST is not replayed (its form may be stale): they submit it again once confirmed."""
    target = request.full_path if request.method == "GET" else (request.referrer or "")
    if request.method != "GET":
        flash("Confirm it is you, then do that again.", "info")
    return redirect(url_for("auth.confirm", next=_local_path(target)))


def _local_path(target: str) -> str:
    """Our own path (with its query) from a path or a same-host URL; "" for anything else."""
    from urllib.parse import urlsplit

    from .views import safe_next

    parts = urlsplit(target)
    if parts.netloc and parts.netloc != request.host:
        return ""
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path) or ""
