"""The forms of the Integrations > Okta pages: sign-in rules, disconnect, setup links,
email domains, trusted hosts, the SCIM authentication choice (the wizard's own forms
stay in wizard/connect/forms.py)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..models import ScimAuth


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


class ScimAuthForm(FlaskForm):
    style = RadioField(
        "How Okta sends the token",
        choices=[
            SelectChoice(ScimAuth.BEARER.value, "HTTP Header: Authorization: Bearer (most apps)"),
            SelectChoice(ScimAuth.HEADER.value, "Header: the token alone as Authorization"),
            SelectChoice(ScimAuth.BASIC.value, "Basic Auth: a user name and a password"),
        ],
        validators=[InputRequired("Pick how Okta sends the token.")],
    )
