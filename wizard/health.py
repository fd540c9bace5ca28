"""``GET /healthz``: for load balancers; opens its own connection so it can report one."""

import peewee as pw
from flask import Blueprint, current_app, jsonify

from .db import database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with database.connection_context():
            database.execute_sql("SELECT 1")
    except pw.PeeweeException as exc:
        current_app.logger.warning("health check: database unavailable: %s", type(exc).__name__)
        return jsonify(status="error", database=f"unavailable: {type(exc).__name__}"), 503
    return jsonify(status="ok", database="ok")
