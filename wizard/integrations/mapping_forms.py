"""The forms of the mapping pages: a group's role mapping, and the user detail mapping
(one Okta property per member detail, picked from Okta's schema or typed by name).

The forms check the shape of what is posted; ``mappings`` owns the rules (what an Okta
property name looks like, a photo needs an image format) and names the field a refusal
belongs to, so the view shows it there."""

from flask_wtf import FlaskForm
from wtforms import Form, FormField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ..domain import mappings

OTHER = "__other__"  # the select's "Other…": the name is in the text box
TOO_LONG = "At most 100 characters."


class MappingForm(FlaskForm):
    group = SelectField("Okta group", coerce=int, validators=[InputRequired()])
    # The choices offered are the roles the signed-in admin may give; anything else that
    # is posted reaches mappings.save_role_mapping, which says why it is refused.
    access = RadioField(
        "Access", default="User", validators=[InputRequired()], validate_choice=False
    )


class PropertyChoiceForm(Form):
    """One member detail: a property from Okta's list, "Other…" with a typed name, or
    nothing. Any listed name is accepted (Okta's schema may have changed since the page
    was shown, or could not be read): ``mappings`` checks the name itself."""

    property = SelectField(validate_choice=False, validators=[Length(max=100, message=TOO_LONG)])
    other = StringField("Other property name", validators=[Length(max=100, message=TOO_LONG)])

    def validate_other(self, field):
        if self.property.data == OTHER and not (field.data or "").strip():
            raise ValidationError("Type the Okta property name, or pick one from the list.")

    def chosen(self) -> str:
        """The Okta property this detail is mapped to ('' for none)."""
        picked = self.property.data or ""
        return (self.other.data or "").strip() if picked == OTHER else picked

    def input_of_choice(self):
        """The input holding the chosen name: where a refusal of it is shown."""
        return self.other if self.property.data == OTHER else self.property


class DetailMappingMixin:
    """What the detail mapping form does; its fields come from ``mappings.DETAIL_FIELDS``
    (below), so a new member detail is one entry there."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.image_format.choices = [("", "—")] + [(f, f.upper()) for f in mappings.IMAGE_FORMATS]
        for name, label in mappings.DETAIL_FIELDS.items():
            self[name].property.label.text = label
            self[name].other.label.text = f"{label}: other property name"

    def offer(self, properties: list[tuple[str, str]]) -> None:
        """The choices shown: Okta's properties (name, title), then "Other…". A name
        Okta does not list (saved earlier, or just posted) stays selected."""
        listed = [(name, f"{title} ({name})") for name, title in properties]
        known = {name for name, _ in properties} | {"", OTHER}
        for name in mappings.DETAIL_FIELDS:
            select = self[name].property
            kept = [(select.data, f"{select.data} (not in Okta's list)")]
            unlisted = kept if select.data and select.data not in known else []
            select.choices = [("", "Not mapped"), *listed, *unlisted, (OTHER, "Other…")]

    def choices(self) -> dict[str, str]:
        return {name: self[name].chosen() for name in mappings.DETAIL_FIELDS}

    def refuse(self, error: mappings.MappingError) -> bool:
        """Show ``error`` next to the input it is about; False when it names none."""
        if error.field in mappings.DETAIL_FIELDS:
            field = self[error.field].input_of_choice()
        elif error.field == "image_format":
            field = self.image_format
        else:
            return False
        field.errors = [*field.errors, str(error)]
        return True


DetailMappingForm = type(
    "DetailMappingForm",
    (DetailMappingMixin, FlaskForm),
    {
        **{
            name: FormField(PropertyChoiceForm, label)
            for name, label in mappings.DETAIL_FIELDS.items()
        },
        "image_format": SelectField("Photo image format"),
    },
)


def detail_mapping_form(saved: dict) -> FlaskForm:
    """The form with what was posted, else with the saved mappings (field -> row)."""
    photo = saved.get("photo")
    return DetailMappingForm(
        data={
            **{field: {"property": row.okta_property} for field, row in saved.items()},
            "image_format": photo.image_format if photo else "",
        }
    )
