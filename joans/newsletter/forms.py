"""The form for asking for an unsubscribe link by e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LinkRequestForm(FlaskForm):
    """An address to send the unsubscribe link to."""

    class Meta:
        csrf = False  # no session on the public site; see DESIGN.md "Cookies and cross-site"

    email = EmailField(
        _l("Your e-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the e-mail address that gets our newsletter.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
            Email(
                message=_l("Enter an e-mail address like name@example.se."),
                check_deliverability=False,
            ),
        ],
    )
