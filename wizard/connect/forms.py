from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange


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


class EnforcementForm(FlaskForm):
    enforced = BooleanField("Require Okta sign-in for everyone in the organization")
    break_glass = SelectField(
        "Break-glass admin",
        description="This local admin may still sign in with a password (every use is "
        "recorded), so an Okta outage cannot lock you out.",
        coerce=int,
    )
    jit = BooleanField(
        "Create accounts on first Okta sign-in (just-in-time)",
        description="Only for email addresses Okta verified, in this organization's verified "
        "domains.",
    )
    jit_role = SelectField(
        "Role of just-in-time accounts",
        description="Never more than User, and never a role from Okta's claims: give more "
        "through role mappings or by hand.",
    )


class DisconnectForm(FlaskForm):
    confirm_name = StringField(
        "Type the organization's name to confirm",
        validators=[DataRequired(), Length(max=120)],
    )


class SetupLinkForm(FlaskForm):
    label = StringField(
        "Who is it for",
        description="For your records, e.g. 'Sam from IT'.",
        validators=[Length(max=120)],
    )
    days = IntegerField("Valid for (days)", default=7, validators=[NumberRange(min=1, max=30)])


class DomainForm(FlaskForm):
    domain = StringField(
        "Email domain",
        description="The part after @ in your people's addresses, e.g. acme.com. Each "
        "domain is proven with a DNS record.",
        validators=[DataRequired("Enter a domain, e.g. acme.com."), Length(max=253)],
    )


class TrustedHostForm(FlaskForm):
    host = StringField(
        "Host name",
        description="Your Okta custom URL domain (e.g. login.acme.com) or another OpenID "
        "provider's host. Okta's own domains (*.okta.com, …) are always allowed.",
        validators=[DataRequired("Enter a host name."), Length(max=253)],
    )
