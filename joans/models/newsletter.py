"""Newsletters: who may get them and why, who must never get them, campaigns and their outbox.

The privacy policy uses the e-mail address given at an order for customer newsletters, with the
right to object at any time (Marknadsföringslagen 19 § second paragraph, GDPR art. 21(2)-(3)).
A subscription belongs to a CRM contact and records its basis: soft opt-in from order N on date
D with the objection box shown, or an objection. The suppression list holds keyed hashes of
addresses that must never be mailed again, so it outlives the contact it came from.
"""

from __future__ import annotations

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joans.extensions import db
from joans.models.crm import Contact
from joans.models.personal_data import Basis, Category, Purpose, not_personal, personal_data
from joans.models.staff import StaffUser
from joans.models.types import UTCDateTime, utcnow


class SubscriptionStatus(StrEnum):
    """Whether a contact gets newsletters."""

    SUBSCRIBED = "subscribed"  # soft opt-in from an order, no objection since
    OBJECTED = "objected"  # ticked the box at an order, or told us by e-mail: never mailed
    UNSUBSCRIBED = "unsubscribed"  # used the link in a newsletter or a mail client's button
    # Ordered without objecting, but the address had unsubscribed or been erased before (N11).
    SUPPRESSED = "suppressed"


class StatusSource(StrEnum):
    """What set the current status."""

    ORDER = "order"  # the order form's objection box, ticked or not
    LINK = "link"  # the unsubscribe page, or an RFC 8058 one-click request
    STAFF = "staff"  # an objection received by e-mail, recorded by staff
    UNDO = "undo"  # the recipient undid their unsubscribe


class SuppressionReason(StrEnum):
    """Why an address is on the suppression list."""

    UNSUBSCRIBED = "unsubscribed"
    OBJECTED = "objected"
    ERASED = "erased"


class OutboxStatus(StrEnum):
    """Where one message of a campaign stands."""

    QUEUED = "queued"  # waiting, possibly for a retry after a temporary failure
    SENDING = "sending"  # a worker is talking to the mail server about it right now
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # refused for good (5xx), or temporary failures until attempts ran out
    # Found "sending" after its worker died: it may or may not have gone, so it is never resent.
    UNKNOWN = "unknown"
    SKIPPED = "skipped"  # the recipient unsubscribed, objected or left before it went


FINAL_OUTBOX_STATUSES = (
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
    OutboxStatus.UNKNOWN,
    OutboxStatus.SKIPPED,
)


def _one_of(column: str, values) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


# The subscription goes with the contact (the "customer" rule deletes former customers' contacts
# and the database cascades); the basis of direct marketing is legitimate interest (GDPR recital
# 47) within the soft opt-in the Marketing Practices Act allows for existing customers.
_SUBSCRIPTION = personal_data(
    Category.MARKETING, Purpose.NEWSLETTER, Basis.LEGITIMATE_INTEREST, retention="customer"
)
# An objection must be honoured for good (GDPR art. 21(3)): only a keyed hash is kept.
_SUPPRESSION = personal_data(
    Category.CONTACT,
    Purpose.NEWSLETTER,
    Basis.LEGAL_OBLIGATION,
    retention="newsletter_suppression",
)


class NewsletterSubscription(db.Model):
    """Whether one contact gets newsletters, and on what basis."""

    __tablename__ = "newsletter_subscription"
    __table_args__ = (
        _one_of("status", SubscriptionStatus),
        _one_of("source", StatusSource),
        _one_of("language", ("sv", "en")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True, info=_SUBSCRIPTION)
    source: Mapped[str] = mapped_column(String(16), info=_SUBSCRIPTION)
    # The language newsletters go out in: the language of the order form.
    language: Mapped[str] = mapped_column(String(2), info=_SUBSCRIPTION)
    # The order whose form showed the unticked objection box and so gave (or refused) the soft
    # opt-in; None for an objection staff recorded without an order.
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_order.id", ondelete="SET NULL"), index=True
    )
    order_date: Mapped[date | None] = mapped_column(Date)
    objection_box_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()

    @property
    def receives_newsletters(self) -> bool:
        """True while the contact is on the list (the suppression list is checked apart)."""
        return self.status == SubscriptionStatus.SUBSCRIBED


class Suppression(db.Model):
    """An address that must never get a newsletter again, as a keyed hash (HMAC-SHA256)."""

    __tablename__ = "newsletter_suppression"
    __table_args__ = (_one_of("reason", SuppressionReason),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), unique=True, info=_SUPPRESSION)
    reason: Mapped[str] = mapped_column(String(16), info=_SUPPRESSION)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Newsletter(db.Model):
    """A campaign: a subject and a Markdown body in Swedish, and optionally in English.

    It is a draft until staff send it; from then on its text is frozen and its outbox rows say
    how far it has come.
    """

    __tablename__ = "newsletter"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_sv: Mapped[str] = mapped_column(String(200), info=not_personal())
    body_sv: Mapped[str] = mapped_column(Text, info=not_personal())
    subject_en: Mapped[str | None] = mapped_column(String(200), info=not_personal())
    body_en: Mapped[str | None] = mapped_column(Text, info=not_personal())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )

    created_by: Mapped[StaffUser | None] = relationship(foreign_keys=[created_by_id])
    queued_by: Mapped[StaffUser | None] = relationship(foreign_keys=[queued_by_id])

    @property
    def is_draft(self) -> bool:
        """A draft can still be edited; a sent newsletter cannot."""
        return self.queued_at is None

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages it is written in: Swedish, and English when both its fields are set."""
        return ("sv", "en") if self.subject_en and self.body_en else ("sv",)

    def subject(self, language: str) -> str:
        """The subject in ``language``, or in Swedish when there is no English version."""
        return self.subject_en if language == "en" and "en" in self.languages else self.subject_sv

    def body(self, language: str) -> str:
        """The Markdown body in ``language``, or in Swedish when there is no English version."""
        return self.body_en if language == "en" and "en" in self.languages else self.body_sv


class OutboxMessage(db.Model):
    """One campaign to one recipient: at most one row each, so nobody is ever mailed twice.

    The address is read from the contact at the moment of sending, so the row itself holds no
    address; after ``NEWSLETTER_OUTBOX_RETENTION_DAYS`` a finished row loses its link to the
    subscription and only counts remain.
    """

    __tablename__ = "newsletter_outbox"
    __table_args__ = (
        UniqueConstraint("newsletter_id", "subscription_id"),
        _one_of("status", OutboxStatus),
        _one_of("language", ("sv", "en")),
        # Workers take due rows in this order; staff count rows per campaign and status.
        Index("ix_newsletter_outbox_due", "status", "next_attempt_at", "id"),
        Index("ix_newsletter_outbox_progress", "newsletter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    newsletter_id: Mapped[int] = mapped_column(ForeignKey("newsletter.id", ondelete="CASCADE"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("newsletter_subscription.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str] = mapped_column(String(2), info=not_personal())
    status: Mapped[str] = mapped_column(
        String(16), default=OutboxStatus.QUEUED, info=not_personal()
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The mail server's reply code and enhanced status code, e.g. "550 5.1.1": never its text,
    # which often quotes the address.
    error: Mapped[str | None] = mapped_column(String(32), info=not_personal())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    newsletter: Mapped[Newsletter] = relationship()
    subscription: Mapped[NewsletterSubscription | None] = relationship()
