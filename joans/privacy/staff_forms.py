"""Back-office forms of data-subject requests: registering one, the identity check, closing it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Optional, ValidationError

from joans.backoffice.forms import StaffForm, language_choices, max_length, required
from joans.models.types import utcnow

KIND_LABELS = {
    "access": _l("See their data (access)"),
    "erasure": _l("Delete their data (erasure)"),
    "rectification": _l("Correct their data (rectification)"),
    "objection": _l("Stop a use of their data (objection)"),
}
IDENTITY_CHECK_LABELS = {
    "email_on_file": _l("The request came from the e-mail address we hold"),
    "phone_on_file": _l("We called the phone number we hold"),
    "id_document": _l("A valid ID document was shown"),
    "in_person": _l("Known contact, met in person"),
}


class DataRequestForm(StaffForm):
    """A request from a person about their data, as received."""

    kind = SelectField(
        _l("The request"),
        choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()],
    )
    received_on = DateField(
        _l("Received on"),
        description=_l("The answer is due one month later."),
        validators=[required(_l("Enter the date the request came in."))],
    )
    requester_name = StringField(
        _l("Name of the person asking"),
        validators=[required(_l("Enter the name of the person asking.")), max_length(200)],
    )
    requester_email = EmailField(
        _l("Their e-mail address"),
        validators=[
            Optional(),
            Email(
                message=_l("Enter an e-mail address like name@example.se."),
                check_deliverability=False,
            ),
            max_length(254),
        ],
        filters=[lambda value: value.lower() if isinstance(value, str) else value],
    )
    language = SelectField(_l("Answer in"), choices=language_choices())
    company_id = HiddenField()
    contact_id = HiddenField()
    submit = SubmitField(_l("Register the request"))

    def validate_received_on(self, field) -> None:
        """A request cannot arrive in the future."""
        if field.data and field.data > utcnow().date():
            raise ValidationError(_l("The date cannot be in the future."))


class IdentityCheckForm(StaffForm):
    """How the requester's identity was confirmed."""

    method = SelectField(
        _l("How did you confirm who is asking?"),
        choices=[SelectChoice(value, label) for value, label in IDENTITY_CHECK_LABELS.items()],
    )
    submit = SubmitField(_l("Record the check"))


class CloseRequestForm(StaffForm):
    """What was done and answered."""

    note = TextAreaField(
        _l("What was done and answered"),
        validators=[required(_l("Write what was done and answered.")), max_length(5000)],
    )
    submit = SubmitField(_l("Close the request"))
