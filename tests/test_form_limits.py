"""Every text a form accepts has a length limit, and a value past it is refused with a
message next to the field, never stored or a 500."""

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import Length

import wizard


def all_forms():
    for info in pkgutil.walk_packages(wizard.__path__, "wizard."):
        if info.name.endswith("forms") or ".forms" in info.name:
            importlib.import_module(info.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(
        {form for form in subclasses(FlaskForm) if form.__module__.startswith("wizard.")},
        key=lambda form: f"{form.__module__}.{form.__name__}",
    )


FORMS = all_forms()


def test_the_walk_finds_the_forms():
    assert len(FORMS) >= 10


@pytest.mark.parametrize("form_class", FORMS, ids=lambda form: form.__name__)
def test_every_text_field_has_a_maximum_length(app, form_class):
    with app.test_request_context(method="POST"):
        form = form_class(meta={"csrf": False})
        unbounded = [
            field.name
            for field in form
            if isinstance(field, StringField | PasswordField | TextAreaField)
            and field.type not in ("HiddenField", "CSRFTokenField")
            and not any(isinstance(v, Length) and v.max and v.max > 0 for v in field.validators)
        ]
    assert unbounded == [], f"{form_class.__name__}: no maximum length on {unbounded}"


@pytest.mark.parametrize("form_class", FORMS, ids=lambda form: form.__name__)
def test_an_overlong_value_is_refused_with_a_message(app, form_class):
    with app.test_request_context(method="POST"):
        form = form_class(meta={"csrf": False})
        for field in form:
            limit = next((v.max for v in field.validators if isinstance(v, Length) and v.max), None)
            if limit is None:
                continue
            field.process(MultiDict({field.name: "x" * (limit + 1)}))
            assert not field.validate(form), f"{form_class.__name__}.{field.name}"
            assert field.errors and all(isinstance(e, str) and e for e in field.errors)
