from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import NumberRange, Optional


class EntitlementsForm(FlaskForm):
    seat_limit = IntegerField(
        "Seat limit",
        description="Active members allowed (staff not counted). Leave empty for no limit.",
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    enterprise_enabled = BooleanField(
        "Enterprise feature (Okta SSO, SCIM provisioning and sync)",
    )


class ReleaseDomainForm(FlaskForm):
    """No fields: the CSRF token alone makes the POST safe."""
