"""Domain names registered for customers through the registrar, and what we told the registrar.

The privacy policy: data given for a domain registration is kept for as long as the domain is
registered with Ilait AB, and shared with nobody else. ``Disclosure`` records every hand-off, so
a customer who asks can be told who received which data and when (GDPR art. 15(1)(c), 19).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joans.extensions import db
from joans.models.crm import Company, Contact
from joans.models.orders import Order
from joans.models.personal_data import Basis, Category, Purpose, not_personal, personal_data
from joans.models.staff import StaffUser
from joans.models.types import UTCDateTime, utcnow
from joans.validation import domain_to_ascii


class DomainStatus(StrEnum):
    """Where a domain stands with the registrar."""

    REQUESTED = "requested"
    REGISTERED = "registered"
    EXPIRED = "expired"
    TRANSFERRED_OUT = "transferred_out"
    CANCELLED = "cancelled"


DOMAIN_STATUS_LABELS = {
    DomainStatus.REQUESTED: _l("Requested"),
    DomainStatus.REGISTERED: _l("Registered"),
    DomainStatus.EXPIRED: _l("Expired"),
    DomainStatus.TRANSFERRED_OUT: _l("Transferred out"),
    DomainStatus.CANCELLED: _l("Cancelled"),
}

# A domain in one of these is ours to look after; the others have ended.
ACTIVE_STATUSES = (DomainStatus.REQUESTED, DomainStatus.REGISTERED)


class DisclosurePurpose(StrEnum):
    """Why personal data went to a recipient."""

    DOMAIN_REGISTRATION = "domain_registration"
    DOMAIN_RENEWAL = "domain_renewal"
    DOMAIN_TRANSFER_OUT = "domain_transfer_out"


def _holder(category: Category) -> dict:
    # Kept while the domain is registered, then DOMAIN_HOLDER_RETENTION_DAYS after it ended.
    return personal_data(
        category, Purpose.DOMAIN_REGISTRATION, Basis.CONTRACT, retention="domain_holder"
    )


class Domain(db.Model):
    """A domain name we registered, or were asked to register, for a company."""

    __tablename__ = "domain"
    __table_args__ = (
        CheckConstraint(
            "status IN ('requested', 'registered', 'expired', 'transferred_out', 'cancelled')",
            name="status",
        ),
        Index("ix_domain_name", "name", "id"),
        Index("ix_domain_status_expires", "status", "expires_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # IDNA-normalised Unicode, lower case ("räksmörgås.se"); a name can identify a person.
    name: Mapped[str] = mapped_column(String(253), info=_holder(Category.TRANSACTION))
    tld: Mapped[str] = mapped_column(String(63), info=not_personal())
    status: Mapped[str] = mapped_column(
        String(16), default=DomainStatus.REQUESTED, info=not_personal()
    )
    # The holder. A company is kept while it holds a domain (see the "customer" rule).
    holder_company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    holder_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_order.id", ondelete="SET NULL"), index=True
    )
    # Who registers it for us ("Ilait AB"), as the registrar backend names itself.
    registrar: Mapped[str] = mapped_column(String(100), info=not_personal())
    # When the registration was handed to the registrar; None until then.
    handed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    holder_company: Mapped[Company] = relationship()
    holder_contact: Mapped[Contact | None] = relationship()
    order: Mapped[Order | None] = relationship()

    @property
    def ascii_name(self) -> str:
        """The name as the DNS and registries spell it: "xn--rksmrgs-5wao1o.se"."""
        return domain_to_ascii(self.name)


class Disclosure(db.Model):
    """Personal data sent to someone outside the company: to whom, which fields, when, why.

    Field names only, never the values: the values are where they were sent from.
    """

    __tablename__ = "disclosure"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(100), info=not_personal())
    # The names of the fields sent: ["company_name", "organisation_number", ...].
    fields: Mapped[list] = mapped_column(JSON, info=not_personal())
    purpose: Mapped[str] = mapped_column(String(32), info=not_personal())
    disclosed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Whose data it was: goes with the company when the company's data is deleted.
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_order.id", ondelete="SET NULL"), index=True
    )
    domain_id: Mapped[int | None] = mapped_column(
        ForeignKey("domain.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)

    domain: Mapped[Domain | None] = relationship()
    order: Mapped[Order | None] = relationship()
    actor: Mapped[StaffUser | None] = relationship()
