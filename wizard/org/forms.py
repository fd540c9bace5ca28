from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


def timezone_choices() -> list[str]:
    return sorted(available_timezones())


class SettingsForm(FlaskForm):
    name = StringField("Organization name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField(
        "Time zone",
        description="Used for the daily sync schedule and the times we show you.",
        validators=[DataRequired()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class SiteForm(FlaskForm):
    name = StringField("Site name", validators=[DataRequired(), Length(max=120)])
