from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..domain.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("Work email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password",
        description="Leave it empty if your organization signs in with Okta.",
        validators=[Optional(), Length(max=MAX_PASSWORD_LENGTH)],
    )
    next = StringField(validators=[Length(max=2000)])  # a local path; longer is not ours


def new_password_field() -> PasswordField:
    return PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Use at least {MIN_PASSWORD_LENGTH} characters "
                f"(at most {MAX_PASSWORD_LENGTH}).",
            ),
        ],
    )


def confirm_field() -> PasswordField:
    return PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired(),
            Length(max=MAX_PASSWORD_LENGTH),
            EqualTo("new_password", "The two passwords differ."),
        ],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    new_password = new_password_field()
    confirm = confirm_field()


class SetPasswordForm(FlaskForm):
    """A new password, typed twice (the one-time link after conversion to local)."""

    new_password = new_password_field()
    confirm = confirm_field()


class ConfirmForm(FlaskForm):
    """The password again, before a critical action (``auth.fresh``)."""

    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    next = StringField(validators=[Length(max=2000)])
