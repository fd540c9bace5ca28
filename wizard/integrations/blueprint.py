"""The one blueprint of the /integrations area (Integrations > Okta and its tabs)."""

from flask import Blueprint

bp = Blueprint("integrations", __name__, url_prefix="/integrations")
