"""The audit trail: who did what to which record, and when. Never the personal values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joans.extensions import db
from joans.models.personal_data import Basis, Category, Purpose, not_personal, personal_data
from joans.models.staff import StaffUser
from joans.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One action, append-only.

    ``details`` holds identifiers and counts only (``{"fields": ["phone"]}``), so the trail can
    be kept after the data it talks about has been erased.
    """

    __tablename__ = "audit_event"
    # The audit viewer lists the events of one record.
    __table_args__ = (Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The staff member who acted; None for the system (jobs) and for anonymous visitors. Who did
    # what is personal data about staff, so the event goes after its own period ("audit").
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id"),
        index=True,
        info=personal_data(
            Category.ACCOUNT, Purpose.SECURITY, Basis.LEGITIMATE_INTEREST, retention="audit"
        ),
    )
    action: Mapped[str] = mapped_column(String(64), index=True, info=not_personal())
    subject_type: Mapped[str | None] = mapped_column(String(64), info=not_personal())
    subject_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict, info=not_personal())

    actor: Mapped[StaffUser | None] = relationship()
