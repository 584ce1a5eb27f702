"""Leads: visitors who asked us to call them back."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from joans.extensions import db
from joans.models.personal_data import Basis, Category, Purpose, personal_data
from joans.models.types import UTCDateTime, utcnow

# GDPR art. 6(1)(b): the visitor asks to be contacted before any contract, and the data serves
# only that step; the privacy policy promises it is deleted once we have followed up.
_CALLBACK = {"purpose": Purpose.CALLBACK, "basis": Basis.CONTRACT, "retention": "callback"}

# The services a visitor can say they are interested in: codes, never free text, because the
# privacy policy promises that the form collects a name and a phone number and nothing more.
SERVICE_LABELS = {
    "websites": _l("Websites"),
    "hosting": _l("Hosting"),
    "email": _l("E-mail"),
    "domains": _l("Domain names"),
}
SERVICES = tuple(SERVICE_LABELS)


class CallbackRequest(db.Model):
    """A request to be called back: deleted when staff have called, or when it expires."""

    __tablename__ = "callback_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(
        String(100), info=personal_data(Category.IDENTITY, **_CALLBACK)
    )
    # E.164, at most 15 digits after the plus sign (ITU-T E.164 section 6).
    phone: Mapped[str] = mapped_column(
        String(16), info=personal_data(Category.CONTACT, **_CALLBACK)
    )
    service: Mapped[str | None] = mapped_column(
        String(16), info=personal_data(Category.ENQUIRY, **_CALLBACK)
    )
    # The language of the page the visitor used, so staff know which language to call in.
    language: Mapped[str] = mapped_column(
        String(2), info=personal_data(Category.ENQUIRY, **_CALLBACK)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
