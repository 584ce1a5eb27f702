"""Back-office forms of billing: the reason for a credit note."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField

from joans.backoffice.forms import StaffForm, max_length, required


class CreditNoteForm(StaffForm):
    """Why an invoice is cancelled; the reason is printed on the credit note."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("Printed on the credit note, e.g. “Wrong billing address”."),
        validators=[required(_l("Say why the invoice is credited.")), max_length(500)],
    )
    submit = SubmitField(_l("Issue credit note"))
