"""Back-office forms of domains: the registrar's answer and a new expiry date."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SubmitField
from wtforms.validators import ValidationError

from joans.backoffice.forms import StaffForm, required


class RegistrationForm(StaffForm):
    """The registrar's answer: registered on, expires on."""

    registered_on = DateField(
        _l("Registered on"), validators=[required(_l("Enter the registration date."))]
    )
    expires_on = DateField(_l("Expires on"), validators=[required(_l("Enter the expiry date."))])
    submit = SubmitField(_l("Save registration"))

    def validate_expires_on(self, field) -> None:
        if field.data and self.registered_on.data and field.data <= self.registered_on.data:
            raise ValidationError(_l("The expiry date must come after the registration date."))


class ExpiryForm(StaffForm):
    """A new expiry date after a renewal."""

    expires_on = DateField(
        _l("New expiry date"), validators=[required(_l("Enter the expiry date."))]
    )
    submit = SubmitField(_l("Save expiry date"))
