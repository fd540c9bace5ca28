"""The console's blueprint and what every view shares."""

from flask import Blueprint, flash

bp = Blueprint("simulator", __name__)


def report(exchanges: list, nothing: str = "") -> None:
    """Flash what an action sent: one line per SCIM request with our answer."""
    if not exchanges:
        if nothing:
            flash(nothing, "info")
        return
    lines = [
        f"{e.method} {e.path} → {e.status if e.status is not None else e.error}" for e in exchanges
    ]
    failed = any(not e.ok for e in exchanges)
    flash(
        f"Sent {len(exchanges)} SCIM request(s): " + "; ".join(lines),
        "warning" if failed else "success",
    )
