"""The call-back form: name, phone number, an optional service, and two traps for programs.

The public site sets no cookie, so the form has no session and no CSRF token (the cross-site
check in :mod:`joans.security` guards it). The time the form was shown travels in a signed
hidden field instead: a person needs a few seconds to fill it in, a program does not. A field
that people never see (the honeypot) catches programs that fill in every field.
"""

from __future__ import annotations

import time
import unicodedata

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeSerializer
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from joans.consent.page_cache import per_response
from joans.models.callbacks import SERVICE_LABELS, SERVICES
from joans.validation import Normalised, TypedTextField, normalise_phone

STARTED_SALT = "joans.contact.form-started"
# A form left open longer than this gets a fresh timestamp, so one signed value cannot be
# replayed forever.
FORM_LIFETIME_SECONDS = 12 * 60 * 60
NAME_MAX_LENGTH = 100

# Joiners are format characters that some scripts and names need; other invisible characters
# (controls, bidirectional overrides, private use) only hide or disguise what staff would read.
ALLOWED_FORMAT_CHARACTERS = {"\u200c", "\u200d"}
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}


def issue_start_token() -> str:
    """A signed value holding the current time, for the form's hidden ``started`` field."""
    return _serializer().dumps(time.time())


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=STARTED_SALT)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _no_invisible_characters(form: FlaskForm, field: StringField) -> None:
    for character in field.data:
        category = unicodedata.category(character)
        if category in FORBIDDEN_CATEGORIES and character not in ALLOWED_FORMAT_CHARACTERS:
            raise ValidationError(
                _l("Write your name on one line, without line breaks or other special characters.")
            )


class CallbackForm(FlaskForm):
    """Ask to be called back."""

    class Meta:
        csrf = False  # no session on the public site; see DESIGN.md "Cookies and cross-site"

    name = TypedTextField(
        _l("Your name"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter your name, so we know whom to ask for.")),
            Length(
                max=NAME_MAX_LENGTH,
                message=_l("A name can be at most %(max)d characters long."),
            ),
            _no_invisible_characters,
        ],
    )
    phone = TypedTextField(
        _l("Phone number"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the phone number we should call.")),
            Normalised(normalise_phone),
        ],
    )
    service = SelectField(
        _l("What would you like to talk about? (optional)"),
        choices=[
            SelectChoice("", _l("Not sure yet")),
            *(SelectChoice(code, label) for code, label in SERVICE_LABELS.items()),
        ],
        default="",  # a client that leaves the list out chose nothing
        validate_choice=False,  # AnyOf below gives our own translated message
        validators=[AnyOf(["", *SERVICES], message=_l("Choose one of the options in the list."))],
    )
    # The honeypot: hidden from people and assistive technology, tempting for programs.
    website = StringField(_l("Leave this field empty"))
    started = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.started.data:
            self.started.data = per_response("form-started", issue_start_token)

    def validate_website(self, field: StringField) -> None:
        """Refuse the form when the field people never see was filled in."""
        if field.data:
            raise ValidationError(_automated_message())

    def validate_started(self, field: HiddenField) -> None:
        """Refuse a form sent faster than a person can type, or with a forged or stale time."""
        try:
            started = _serializer().loads(field.data or "")
        except BadData:
            started = None
        age = time.time() - started if isinstance(started, float) else None
        if age is None or age > FORM_LIFETIME_SECONDS:
            field.data = issue_start_token()  # give the person a form they can send
            raise ValidationError(_automated_message())
        if age < current_app.config["CALLBACK_MIN_FILL_SECONDS"]:
            raise ValidationError(_automated_message())

    @property
    def automated(self) -> bool:
        """True when one of the traps for programs caught this submission."""
        return bool(self.website.errors or self.started.errors)


def _automated_message() -> str:
    # The same words for both traps, so a program learns nothing about which one it hit.
    return _(
        "We could not save your request, because the form looked as if a program sent it. "
        "If you filled it in yourself, wait a few seconds and press “Call me back” again. "
        "If that does not work, e-mail us at %(email)s.",
        email=current_app.config["COMPANY_EMAIL"],
    )
