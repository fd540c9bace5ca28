"""The console's forms, labelled as Okta labels the same settings."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..scim_bodies import USERNAME_FORMATS
from ..scim_client import AUTH_MODES
from ..world import STATUSES

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class PersonForm(FlaskForm):
    firstName = StringField("First name", validators=[DataRequired(), Length(max=100)])
    lastName = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    email = StringField(
        "Primary email",
        validators=[
            DataRequired(),
            Regexp(EMAIL, message="Enter an email address."),
            Length(max=200),
        ],
    )
    login = StringField(
        "Username",
        description="Okta's login; the primary email when left empty.",
        validators=[Optional(), Length(max=200)],
    )
    title = StringField("Title", validators=[Optional(), Length(max=100)])
    department = StringField("Department", validators=[Optional(), Length(max=100)])
    photoUrl = StringField(
        "Photo URL",
        description="A custom profile property; our product shows https photos only.",
        validators=[Optional(), Length(max=500)],
    )


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=[SelectChoice(s, s.title()) for s in STATUSES])


class GroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    description = StringField("Description", validators=[Optional(), Length(max=200)])


class SignInAppForm(FlaskForm):
    redirect_uris = TextAreaField(
        "Sign-in redirect URIs",
        description="One per line: paste the sign-in redirect URI our wizard shows.",
        validators=[Length(max=4000)],
    )
    post_logout_redirect_uris = TextAreaField(
        "Sign-out redirect URIs", description="One per line.", validators=[Length(max=4000)]
    )


class IntegrationForm(FlaskForm):
    base_url = StringField(
        "SCIM connector base URL",
        description="Paste the SCIM endpoint our wizard shows (step 4).",
        validators=[DataRequired(), Length(max=500)],
    )
    auth_mode = SelectField(
        "Authentication Mode",
        choices=[SelectChoice(value, label) for value, label in AUTH_MODES.items()],
        description="As chosen on our Provisioning (SCIM) tab; the wizard's default is the "
        "Bearer header.",
    )
    username = StringField(
        "Username (Basic Auth)",
        description="Basic Auth only: the user name our Provisioning (SCIM) tab shows.",
        validators=[Optional(), Length(max=200)],
    )
    token = StringField(
        "Authorization (Bearer token)",
        description="Paste the token our wizard showed once (Basic Auth: it is the password).",
        validators=[DataRequired(), Length(max=500)],
    )


class ToAppForm(FlaskForm):
    create_users = BooleanField("Create Users")
    update_attributes = BooleanField("Update User Attributes")
    deactivate_users = BooleanField("Deactivate Users")
    sync_password = BooleanField("Sync Password")
    profile_sourcing = BooleanField("Profile sourcing (the app is the profile source)")
    username_format = SelectField(
        "Application username format (Sign On tab)",
        choices=[SelectChoice(value, label) for value, label in USERNAME_FORMATS.items()],
    )
    put_for_everything = BooleanField(
        "Made with the App Integration Wizard (Okta then sends PUT for everything)"
    )


class ServiceAppForm(FlaskForm):
    public_jwk = TextAreaField(
        "Public key (JWK)",
        description="Paste the public JWK our Okta API page shows (General > Public keys).",
        validators=[DataRequired(), Length(max=8000)],
    )


class SignInForm(FlaskForm):
    request_id = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{8,64}$")])
    person = StringField(validators=[DataRequired(), Length(max=40)])
