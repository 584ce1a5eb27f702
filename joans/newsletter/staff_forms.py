"""Back-office forms of the newsletter: writing one, and the last step before sending it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from joans.backoffice.forms import StaffForm, max_length, required

# Markdown bodies are long, but a newsletter is not a book.
NEWSLETTER_BODY_MAX = 50_000


class NewsletterForm(StaffForm):
    """A newsletter's subject and Markdown text in Swedish, and optionally in English."""

    subject_sv = StringField(
        _l("Subject in Swedish"),
        validators=[required(_l("Write a subject.")), max_length(200)],
    )
    body_sv = TextAreaField(
        _l("Text in Swedish"),
        description=_l(
            "Markdown: a blank line between paragraphs, **bold**, *italics*, "
            "[link text](https://joans.se/...), # before a heading, - before list items."
        ),
        validators=[required(_l("Write the newsletter's text.")), max_length(NEWSLETTER_BODY_MAX)],
    )
    subject_en = StringField(
        _l("Subject in English (optional)"), validators=[Optional(), max_length(200)]
    )
    body_en = TextAreaField(
        _l("Text in English (optional)"),
        description=_l("Customers who ordered in English get this version; without it, Swedish."),
        validators=[Optional(), max_length(NEWSLETTER_BODY_MAX)],
    )
    submit = SubmitField(_l("Save draft"))

    def validate(self, extra_validators=None) -> bool:
        """Both English fields or neither: half a translation cannot be sent."""
        valid = super().validate(extra_validators)
        if bool(self.subject_en.data) != bool(self.body_en.data):
            missing = self.body_en if self.subject_en.data else self.subject_en
            missing.errors = [
                *missing.errors,
                _l("Write both the English subject and the English text, or neither."),
            ]
            valid = False
        return valid

    def values(self) -> dict:
        """The cleaned values for the campaign service; empty English fields become None."""
        return {
            "subject_sv": self.subject_sv.data,
            "body_sv": self.body_sv.data,
            "subject_en": self.subject_en.data or None,
            "body_en": self.body_en.data or None,
        }


class SendNewsletterForm(StaffForm):
    """The last step before a newsletter goes to every subscriber."""

    confirm = BooleanField(
        _l("I have read the preview and the test e-mail, and want to send it to everyone"),
        validators=[required(_l("Tick the box to confirm that the newsletter is ready."))],
    )
    submit = SubmitField(_l("Send to all subscribers"))
