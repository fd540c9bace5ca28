from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp


class ApiForm(FlaskForm):
    org_url = StringField(
        "Okta org URL",
        description="e.g. https://acme.okta.com",
        validators=[DataRequired(), Length(max=500)],
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
