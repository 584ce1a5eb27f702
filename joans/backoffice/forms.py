"""What every back-office form is built from: cleaned text fields, a button, shared validators.

Each form carries a Flask-WTF CSRF token bound to the staff session.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from joans.i18n import LANGUAGES

# Control characters never belong in what people type (PostgreSQL refuses NUL outright).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_line(value):
    return _CONTROL.sub("", " ".join(value.split())) if isinstance(value, str) else value


def _clean_text(value):
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


class StaffForm(FlaskForm):
    """A form whose text fields are cleaned of control characters and surrounding spaces."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(
                field_class, PasswordField | HiddenField
            ):
                clean = _clean_text if issubclass(field_class, TextAreaField) else _clean_line
                options["filters"] = [clean, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, **options)


class ConfirmForm(StaffForm):
    """A button that changes something: only the CSRF token is needed."""


def required(message):
    """The field must be filled in; ``message`` says what to enter."""
    return DataRequired(message=message)


def max_length(length: int):
    """At most ``length`` characters, said in the staff member's language."""
    return Length(max=length, message=_l("At most %(max)d characters.", max=length))


def language_choices():
    """The site's languages, for a select field."""
    return [SelectChoice(code, name) for code, name in LANGUAGES.items()]
