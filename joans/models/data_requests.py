"""Data-subject requests: someone asks to see, correct, delete or stop the use of their data."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joans.extensions import db
from joans.models.crm import Company, Contact
from joans.models.personal_data import Basis, Category, Purpose, not_personal, personal_data
from joans.models.staff import StaffUser
from joans.models.types import UTCDateTime, utcnow

# GDPR art. 5(2) and 12: we must be able to show how each request was answered, and when.
_REQUEST = {
    "purpose": Purpose.DATA_REQUESTS,
    "basis": Basis.LEGAL_OBLIGATION,
    "retention": "data_request",
}


class RequestKind(StrEnum):
    """The right the requester uses."""

    ACCESS = "access"  # art. 15
    ERASURE = "erasure"  # art. 17
    RECTIFICATION = "rectification"  # art. 16
    OBJECTION = "objection"  # art. 21


class IdentityCheck(StrEnum):
    """How staff made sure the requester is the person the data is about (art. 12(6))."""

    EMAIL_ON_FILE = "email_on_file"  # the request came from the address we hold
    PHONE_ON_FILE = "phone_on_file"  # we called back the number we hold
    ID_DOCUMENT = "id_document"  # a valid ID document was shown
    IN_PERSON = "in_person"  # a known contact, met in person


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class DataSubjectRequest(db.Model):
    """One request, from receipt to the answer, with the due date the law sets."""

    __tablename__ = "data_subject_request"
    __table_args__ = (
        _one_of("kind", RequestKind),
        _one_of("identity_check", IdentityCheck),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), info=not_personal())
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    requester_name: Mapped[str] = mapped_column(
        String(200), info=personal_data(Category.IDENTITY, **_REQUEST)
    )
    requester_email: Mapped[str | None] = mapped_column(
        String(254), info=personal_data(Category.CONTACT, **_REQUEST)
    )
    # The language the answer is written in.
    language: Mapped[str] = mapped_column(String(2), default="sv", info=not_personal())
    # The records the request is about; they may be erased while the request is kept.
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    identity_check: Mapped[str | None] = mapped_column(String(16), info=not_personal())
    identity_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    identity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # What was done and answered; may name the requester, so it goes with the request.
    closing_note: Mapped[str | None] = mapped_column(
        Text, info=personal_data(Category.NOTES, **_REQUEST)
    )

    company: Mapped[Company | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    registered_by: Mapped[StaffUser] = relationship(foreign_keys=[registered_by_id])
    identity_checked_by: Mapped[StaffUser | None] = relationship(
        foreign_keys=[identity_checked_by_id]
    )
    closed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        """True until the request is closed with its answer."""
        return self.closed_at is None
