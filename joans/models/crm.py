"""The CRM (the privacy policy's "booking system"): companies, their contacts and staff notes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joans.extensions import db
from joans.models.personal_data import Basis, Category, Purpose, personal_data
from joans.models.staff import StaffUser
from joans.models.types import UTCDateTime, utcnow


def _customer(category: Category) -> dict:
    # Kept as long as the company is a customer (privacy policy), then purged by "customer".
    return personal_data(category, Purpose.CRM, Basis.LEGITIMATE_INTEREST, retention="customer")


# A personnummer is 13 characters (YYYYMMDD-NNNN), an organisation number 11 (NNNNNN-NNNN).
PERSONNUMMER_LENGTH = 13


class Company(db.Model):
    """A customer or prospective customer; a sole trader is identified by a personnummer."""

    __tablename__ = "company"
    # One index per sortable column, ending in id: a list page reads its ids from the index.
    __table_args__ = (
        Index("ix_company_name", "name", "id"),
        Index("ix_company_organisation_number", "organisation_number", "id"),
        Index("ix_company_customer_since", "customer_since", "id"),
        Index("ix_company_created_at", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), info=_customer(Category.COMPANY))
    # NNNNNN-NNNN, or a sole trader's personnummer as YYYYMMDD-NNNN (hence NATIONAL_ID).
    organisation_number: Mapped[str | None] = mapped_column(
        String(13), info=_customer(Category.NATIONAL_ID)
    )
    vat_number: Mapped[str | None] = mapped_column(String(14), info=_customer(Category.COMPANY))
    billing_street: Mapped[str | None] = mapped_column(
        String(200), info=_customer(Category.COMPANY)
    )
    billing_postal_code: Mapped[str | None] = mapped_column(
        String(6), info=_customer(Category.COMPANY)
    )
    billing_city: Mapped[str | None] = mapped_column(String(100), info=_customer(Category.COMPANY))
    customer_since: Mapped[date | None] = mapped_column(Date)
    customer_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    contacts: Mapped[list[Contact]] = relationship(back_populates="company")

    @property
    def is_sole_trader(self) -> bool:
        """A company identified by a personnummer is a person: its number is masked."""
        return len(self.organisation_number or "") == PERSONNUMMER_LENGTH


class Contact(db.Model):
    """A person, usually at a company."""

    __tablename__ = "contact"
    __table_args__ = (
        Index("ix_contact_name", "last_name", "first_name", "id"),
        Index("ix_contact_first_name", "first_name", "id"),
        Index("ix_contact_email", "email", "id"),
        Index("ix_contact_created_at", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), info=_customer(Category.IDENTITY))
    last_name: Mapped[str] = mapped_column(String(100), info=_customer(Category.IDENTITY))
    # E.164, e.g. +46701234567
    phone: Mapped[str | None] = mapped_column(String(20), info=_customer(Category.CONTACT))
    # Lower-cased, so duplicates and searches ignore case.
    email: Mapped[str | None] = mapped_column(String(254), info=_customer(Category.CONTACT))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    company: Mapped[Company | None] = relationship(back_populates="contacts")

    @property
    def full_name(self) -> str:
        """First and last name, as people say them."""
        return f"{self.first_name} {self.last_name}"


class Note(db.Model):
    """Something a staff member wrote about a company or a contact. Append-only."""

    __tablename__ = "note"
    __table_args__ = (
        # Exactly one of the two: a note belongs to one record.
        CheckConstraint("(company_id IS NULL) <> (contact_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(Text, info=_customer(Category.NOTES))

    author: Mapped[StaffUser] = relationship()


class SearchTerm(db.Model):
    """One word under which a company or contact is found by the staff search box.

    Words are lower-cased and stripped of accents; numbers are kept as digits in each form people
    type them. A prefix search is then an index range scan on ``term`` on any database.
    """

    __tablename__ = "crm_search_term"
    # Covering indexes: a search reads matching ids in result order without touching the rows.
    __table_args__ = (
        Index("ix_crm_search_term_company", "term", "company_id", "sort_key"),
        Index("ix_crm_search_term_contact", "term", "contact_id", "sort_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Byte order ("C") on PostgreSQL, as SQLite's default: prefix ranges are then exact.
    term: Mapped[str] = mapped_column(
        String(120).with_variant(String(120, collation="C"), "postgresql"),
        info=_customer(Category.IDENTITY),
    )
    # The record's name, folded, repeated on each of its terms so results come out in order.
    sort_key: Mapped[str] = mapped_column(String(200), info=_customer(Category.IDENTITY))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
