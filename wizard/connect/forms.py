from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length


class PermissionsForm(FlaskForm):
    confirm = BooleanField(
        "I have one of these Okta admin roles (or someone who has will do the Okta steps)",
        validators=[InputRequired("Tick the box to confirm before you continue.")],
    )


class AppsForm(FlaskForm):
    confirm = BooleanField(
        "I created both apps in Okta and assigned myself to them",
        validators=[InputRequired("Tick the box once both apps exist in Okta.")],
    )


class SsoForm(FlaskForm):
    okta_domain = StringField(
        "Okta domain or issuer URL",
        description="acme.okta.com, https://acme.okta.com, or a custom authorization server "
        "issuer such as https://acme.okta.com/oauth2/default.",
        validators=[DataRequired(), Length(max=500)],
    )
    client_id = StringField(
        "Client ID",
        description="On the OIDC app's General tab, under Client Credentials.",
        validators=[DataRequired(), Length(max=255)],
    )
    client_secret = PasswordField(
        "Client secret",
        description="Leave empty for a PKCE-only app, or to keep the secret already saved "
        "(kept only while the issuer and Client ID stay the same).",
        validators=[Length(max=255)],
    )
    email_domain = StringField(
        "Primary email domain",
        description="The domain of your people's addresses, e.g. acme.com.",
        validators=[DataRequired(), Length(max=255)],
    )


class RegenerateTokenForm(FlaskForm):
    confirm = BooleanField(
        "Create a new token. The current one keeps working for 24 hours, then stops.",
        validators=[InputRequired("Tick the box to confirm a new token.")],
    )


CHECKLIST = (
    ("create_users", "To App > Create Users is on"),
    ("update_attributes", "To App > Update User Attributes is on"),
    ("deactivate_users", "To App > Deactivate Users is on"),
    ("sync_password_off", "To App > Sync Password is off"),
    ("profile_master_off", "Profile sourcing (Profile Master) is off"),
    ("username_email", "Sign On > Application username format is Email"),
    ("import_never", "To Okta > Schedule import is Never"),
    ("role_attribute", "Optional: the app's profile has our role attribute"),
)


class ChecklistForm(FlaskForm):
    pass


for _name, _label in CHECKLIST:
    setattr(ChecklistForm, _name, BooleanField(_label))
