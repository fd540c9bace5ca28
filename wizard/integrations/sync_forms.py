from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from ..models import ApiAuth


class ApiForm(FlaskForm):
    # A post without the choice is the page as it was before the service app: a token.
    auth = RadioField(
        "How the connector signs in to Okta",
        choices=[
            SelectChoice(ApiAuth.SERVICE_APP.value, "Okta API Services app (recommended)"),
            SelectChoice(ApiAuth.TOKEN.value, "API token"),
        ],
        default=ApiAuth.TOKEN.value,
    )
    org_url = StringField(
        "Okta org URL",
        description="e.g. https://acme.okta.com",
        validators=[DataRequired(), Length(max=500)],
    )
    client_id = StringField(
        "Client ID",
        description="Okta: the API Services app's General tab > Client Credentials.",
        validators=[Length(max=100)],
    )
    api_token = PasswordField(
        "API token",
        description="Okta: Security > API > Tokens > Create token. Leave empty to keep the "
        "saved one.",
        validators=[Length(max=200)],
    )
    app_id = SelectField(
        "Sync the people assigned to",
        description="The Okta app (provisioning or sign-in) whose assignments are in scope.",
    )


class ScheduleForm(FlaskForm):
    sync_time = StringField(
        "Daily sync time",
        description="In the organization's time zone (24 h, HH:MM).",
        validators=[
            DataRequired(),
            Length(max=5, message="Use HH:MM, e.g. 03:00."),
            Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message="Use HH:MM, e.g. 03:00."),
        ],
    )
    deactivation_limit = IntegerField(
        "Hold deactivations above (%)",
        description="If one run would deactivate more than this share of synced members, "
        "it waits for an admin to approve.",
        validators=[NumberRange(min=1, max=100)],
    )


class ConnectorForm(FlaskForm):
    """Seed 000's Connector settings: every connection item on one screen, tested
    together (the API token and org URL for the sync; the sign-in app's client ID and
    secret for single sign-on, optional)."""

    org_url = StringField(
        "Org URL",
        description="Your Okta domain, e.g. https://acme.okta.com. It is also the sign-in issuer.",
        validators=[DataRequired(), Length(max=500)],
    )
    api_token = PasswordField(
        "API key (token)",
        description="Okta: Security > API > Tokens > Create token; copy it before closing "
        "Okta's window. Leave empty to keep the saved one.",
        validators=[Length(max=200)],
    )
    client_id = StringField(
        "Client ID",
        description="The sign-in app's General tab, Client Credentials. Leave empty for no "
        "single sign-on.",
        validators=[Length(max=255)],
    )
    client_secret = PasswordField(
        "Client secret",
        description="Below the Client ID. Leave empty for a PKCE app or to keep the saved one.",
        validators=[Length(max=255)],
    )
    email_domain = StringField(
        "Primary email domain",
        description="With a Client ID: the domain of your people's addresses, e.g. acme.com.",
        validators=[Length(max=255)],
    )
    app_id = SelectField(
        "Sync the people assigned to",
        description="The Okta app whose assignments are in scope (listed after a test).",
    )
