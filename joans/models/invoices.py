"""Invoices and credit notes: numbered without gaps, and never changed once issued.

Mervärdesskattelagen (2023:200) 17 kap. 24 § lists what an invoice must say; an issued invoice is
a bookkeeping record (bokföringslagen 5 kap. 6 §) and is corrected only by a credit note that
refers to it. Every row here is issued the moment it is written, so the ORM refuses to change or
delete one; only the retention purge removes them, with a bulk DELETE after the bookkeeping
period (bokföringslagen 7 kap. 2 §).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from joans.extensions import db
from joans.models.catalogue import vat_amount
from joans.models.personal_data import Basis, Category, Purpose, not_personal, personal_data
from joans.models.staff import StaffUser
from joans.models.types import UTCDateTime, utcnow


class InvoiceKind(StrEnum):
    """An invoice asks for payment; a credit note cancels an invoice, wholly."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


def _bookkeeping(category: Category) -> dict:
    # GDPR art. 6(1)(c): bokföringslagen 7 kap. 2 § obliges us to keep the invoice, even after
    # the customer has left; the "bookkeeping" rule deletes it when that duty ends.
    return personal_data(
        category, Purpose.INVOICING, Basis.LEGAL_OBLIGATION, retention="bookkeeping"
    )


class InvoiceImmutableError(PermissionError):
    """Raised when anything tries to change or delete an issued invoice through the ORM."""


class Invoice(db.Model):
    """An issued invoice or credit note, with the seller and the buyer as they were that day."""

    __tablename__ = "invoice"
    __table_args__ = (
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind"),
        CheckConstraint("language IN ('sv', 'en')", name="language"),
        # A credit note names the invoice it cancels; an invoice names none.
        CheckConstraint(
            "(kind = 'credit_note') = (credited_invoice_id IS NOT NULL)", name="credit_reference"
        ),
        Index("ix_invoice_issue_date", "issue_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One gapless series for invoices and credit notes (ML 17 kap. 24 § 2: a serial number that
    # identifies the invoice uniquely).
    number: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(16), info=not_personal())
    credited_invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoice.id"), unique=True, index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_order.id", ondelete="SET NULL"), index=True
    )
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="SET NULL"), index=True
    )
    order_number: Mapped[str | None] = mapped_column(String(9), info=not_personal())
    language: Mapped[str] = mapped_column(String(2), info=not_personal())
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    # Bankgirot's OCR reference: digits, a length digit and a Luhn check digit.
    ocr: Mapped[str | None] = mapped_column(String(25), unique=True, info=not_personal())
    net_ore: Mapped[int] = mapped_column(Integer)
    vat_ore: Mapped[int] = mapped_column(Integer)
    total_ore: Mapped[int] = mapped_column(Integer)
    # Why a credit note was issued, in the staff member's words.
    reason: Mapped[str | None] = mapped_column(Text, info=_bookkeeping(Category.TRANSACTION))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    # The last day the invoice must be kept; the bookkeeping rule deletes it after that.
    keep_until: Mapped[date] = mapped_column(Date, index=True)

    seller_name: Mapped[str] = mapped_column(String(200), info=not_personal())
    seller_organisation_number: Mapped[str] = mapped_column(String(11), info=not_personal())
    seller_vat_number: Mapped[str] = mapped_column(String(14), info=not_personal())
    seller_address: Mapped[str] = mapped_column(String(300), info=not_personal())
    seller_registered_office: Mapped[str] = mapped_column(String(100), info=not_personal())
    seller_bankgiro: Mapped[str] = mapped_column(String(10), info=not_personal())
    seller_email: Mapped[str] = mapped_column(String(254), info=not_personal())
    seller_f_tax: Mapped[bool] = mapped_column(Boolean)

    buyer_name: Mapped[str] = mapped_column(String(200), info=_bookkeeping(Category.COMPANY))
    buyer_organisation_number: Mapped[str] = mapped_column(
        String(13), info=_bookkeeping(Category.NATIONAL_ID)
    )
    buyer_vat_number: Mapped[str | None] = mapped_column(
        String(14), info=_bookkeeping(Category.COMPANY)
    )
    buyer_street: Mapped[str] = mapped_column(String(200), info=_bookkeeping(Category.COMPANY))
    buyer_postal_code: Mapped[str] = mapped_column(String(6), info=_bookkeeping(Category.COMPANY))
    buyer_city: Mapped[str] = mapped_column(String(100), info=_bookkeeping(Category.COMPANY))
    # "Your reference": the person who ordered.
    buyer_reference: Mapped[str] = mapped_column(String(201), info=_bookkeeping(Category.IDENTITY))
    buyer_email: Mapped[str] = mapped_column(String(254), info=_bookkeeping(Category.CONTACT))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", passive_deletes="all"
    )
    credited_invoice: Mapped[Invoice | None] = relationship(
        remote_side=[id], back_populates="credit_note"
    )
    credit_note: Mapped[Invoice | None] = relationship(
        back_populates="credited_invoice", uselist=False, passive_deletes="all"
    )
    issued_by: Mapped[StaffUser | None] = relationship()

    @property
    def is_credit_note(self) -> bool:
        """A credit note rather than an invoice."""
        return self.kind == InvoiceKind.CREDIT_NOTE

    def vat_by_rate(self) -> list[tuple[int, int, int]]:
        """``(rate, net, vat)`` per VAT rate, highest rate first (ML 17 kap. 24 § 8-10)."""
        return VatSums(tuple(self.lines)).vat_by_rate


class InvoiceLine(db.Model):
    """One line of an invoice: what, how many, the unit price and the VAT rate."""

    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    # The product's name, and for a domain the domain name, which may name a person.
    description: Mapped[str] = mapped_column(String(500), info=_bookkeeping(Category.TRANSACTION))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_ore: Mapped[int] = mapped_column(Integer)
    vat_percent: Mapped[int] = mapped_column(Integer)
    net_ore: Mapped[int] = mapped_column(Integer)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoiceNumberSequence(db.Model):
    """The last number given out in a series; one row, locked while an invoice is issued.

    The number is taken in the same transaction that writes the invoice, so a failed issue
    rolls the number back with it: the series has no gaps.
    """

    __tablename__ = "invoice_number_sequence"

    series: Mapped[str] = mapped_column(String(16), primary_key=True, info=not_personal())
    last_number: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class VatSums:
    """What priced lines add up to: net, VAT per rate, and the sum to pay.

    A line is anything with ``vat_percent`` and ``net_ore``: a quote's, an order's or an
    invoice's, so the order form, the order page and the invoice always agree.
    """

    lines: tuple

    @property
    def vat_by_rate(self) -> list[tuple[int, int, int]]:
        """``(rate, net, vat)`` per VAT rate, highest rate first."""
        return vat_breakdown((line.vat_percent, line.net_ore) for line in self.lines)

    @property
    def net_ore(self) -> int:
        """The sum excluding VAT."""
        return sum(line.net_ore for line in self.lines)

    @property
    def vat_ore(self) -> int:
        """The VAT, rounded once per rate."""
        return sum(vat for _, _, vat in self.vat_by_rate)

    @property
    def total_ore(self) -> int:
        """The sum including VAT."""
        return self.net_ore + self.vat_ore


def vat_breakdown(lines) -> list[tuple[int, int, int]]:
    """Sum ``(rate, net)`` pairs per rate: ``[(rate, net, vat), ...]``, highest rate first.

    VAT is computed on each rate's total and rounded once, as on the invoice.
    """
    totals: dict[int, int] = {}
    for rate, net in lines:
        totals[rate] = totals.get(rate, 0) + net
    return [
        (rate, net, vat_amount(net, rate)) for rate, net in sorted(totals.items(), reverse=True)
    ]


@event.listens_for(Invoice, "before_update")
@event.listens_for(InvoiceLine, "before_update")
@event.listens_for(Invoice, "before_delete")
@event.listens_for(InvoiceLine, "before_delete")
def _refuse_changes(mapper, connection, target) -> None:
    raise InvoiceImmutableError("an issued invoice cannot be changed; issue a credit note")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_updates(state) -> None:
    # update(Invoice).values(...) through the session skips the per-object events above.
    mapper = state.bind_mapper
    if state.is_update and mapper is not None and mapper.class_ in (Invoice, InvoiceLine):
        raise InvoiceImmutableError("an issued invoice cannot be changed; issue a credit note")
