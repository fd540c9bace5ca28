from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


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
    """Which of the organization's claims to release (one form per claim on the page)."""

    domain = HiddenField(validators=[DataRequired(), Length(max=253)])
