"""Orders from the public order form, and their lines."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joans.extensions import db
from joans.models.catalogue import BillingPeriod, Product, ProductKind
from joans.models.crm import PERSONNUMMER_LENGTH, Company, Contact
from joans.models.personal_data import Basis, Category, Purpose, not_personal, personal_data
from joans.models.types import UTCDateTime, utcnow
from joans.validation import mask_personnummer


class OrderStatus(StrEnum):
    """Where an order is: received, confirmed by staff, invoiced, cancelled or done."""

    RECEIVED = "received"
    CONFIRMED = "confirmed"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"
    DONE = "done"


STATUS_LABELS = {
    OrderStatus.RECEIVED: _l("Received"),
    OrderStatus.CONFIRMED: _l("Confirmed"),
    OrderStatus.INVOICED: _l("Invoiced"),
    OrderStatus.CANCELLED: _l("Cancelled"),
    OrderStatus.DONE: _l("Done"),
}


def _buyer(category: Category) -> dict:
    # What the buyer typed, kept with the order for as long as the company is a customer
    # (GDPR art. 6(1)(b): needed to deliver and invoice); it goes with the company.
    return personal_data(category, Purpose.INVOICING, Basis.CONTRACT, retention="customer")


def _one_of(column: str, values) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Order(db.Model):
    """One order: what was ordered, by whom, in which language, and where it stands.

    The buyer's details are kept as typed (``buyer_*``), beside the links to the CRM company and
    contact the order was attached to: staff see what the buyer asked for even when the register
    says otherwise, and invoices copy their buyer from here.
    """

    __tablename__ = "customer_order"  # "order" is a reserved word in SQL
    __table_args__ = (
        _one_of("status", OrderStatus),
        CheckConstraint("language IN ('sv', 'en')", name="language"),
        Index("ix_customer_order_status_created", "status", "created_at", "id"),
        Index("ix_customer_order_created_at", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the buyer quotes when they call: eight random digits, "4821-0937".
    number: Mapped[str] = mapped_column(String(9), unique=True, info=not_personal())
    # The signed form's one-time key: a form sent twice creates one order, not two.
    submission_key: Mapped[str] = mapped_column(String(32), unique=True, info=not_personal())
    status: Mapped[str] = mapped_column(
        String(16), default=OrderStatus.RECEIVED, info=not_personal()
    )
    # The language of the order form: e-mails about this order go out in it.
    language: Mapped[str] = mapped_column(String(2), info=not_personal())
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    # Marknadsföringslagen 19 § 2 st.: the buyer may object to newsletters when the address is
    # collected; True means never send them one.
    newsletter_objection: Mapped[bool] = mapped_column(Boolean, default=False)
    terms_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    buyer_company_name: Mapped[str] = mapped_column(String(200), info=_buyer(Category.COMPANY))
    # An organisation number, or a sole trader's personnummer (YYYYMMDD-NNNN).
    buyer_organisation_number: Mapped[str] = mapped_column(
        String(13), info=_buyer(Category.NATIONAL_ID)
    )
    buyer_vat_number: Mapped[str | None] = mapped_column(String(14), info=_buyer(Category.COMPANY))
    buyer_first_name: Mapped[str] = mapped_column(String(100), info=_buyer(Category.IDENTITY))
    buyer_last_name: Mapped[str] = mapped_column(String(100), info=_buyer(Category.IDENTITY))
    buyer_street: Mapped[str] = mapped_column(String(200), info=_buyer(Category.COMPANY))
    buyer_postal_code: Mapped[str] = mapped_column(String(6), info=_buyer(Category.COMPANY))
    buyer_city: Mapped[str] = mapped_column(String(100), info=_buyer(Category.COMPANY))
    buyer_phone: Mapped[str] = mapped_column(String(16), info=_buyer(Category.CONTACT))
    buyer_email: Mapped[str] = mapped_column(String(254), info=_buyer(Category.CONTACT))

    company: Mapped[Company] = relationship()
    contact: Mapped[Contact | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OrderLine.position",
    )

    @property
    def buyer_name(self) -> str:
        """The buyer's first and last name."""
        return f"{self.buyer_first_name} {self.buyer_last_name}"

    @property
    def is_sole_trader(self) -> bool:
        """Ordered with a personnummer: the number is masked wherever it is shown to staff."""
        return len(self.buyer_organisation_number) == PERSONNUMMER_LENGTH

    @property
    def display_organisation_number(self) -> str:
        """The organisation number, or a sole trader's personnummer without its last digits."""
        number = self.buyer_organisation_number
        return mask_personnummer(number) if self.is_sole_trader else number


class OrderLine(db.Model):
    """One product or domain on an order, with the price and VAT rate it was ordered at."""

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        _one_of("kind", ProductKind),
        _one_of("billing_period", BillingPeriod),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("customer_order.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    # Products are deactivated, never deleted, so every line keeps pointing at its product.
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    # The product's name in the order's language when it was ordered.
    description: Mapped[str] = mapped_column(String(200), info=not_personal())
    kind: Mapped[str] = mapped_column(String(16), info=not_personal())
    # For a domain registration: the name, IDNA-normalised ("räksmörgås.se").
    domain_name: Mapped[str | None] = mapped_column(String(253), info=_buyer(Category.TRANSACTION))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_ore: Mapped[int] = mapped_column(Integer)
    vat_percent: Mapped[int] = mapped_column(Integer)
    billing_period: Mapped[str] = mapped_column(String(16), info=not_personal())

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    @property
    def net_ore(self) -> int:
        """Quantity times unit price, excluding VAT."""
        return self.quantity * self.unit_price_ore
