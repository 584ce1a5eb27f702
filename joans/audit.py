"""Writing the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from joans.extensions import db
from joans.models.audit import AuditEvent

Record = TypeVar("Record")


def record_event(
    action: str,
    *,
    actor_id: int | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    **details: object,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes it part of the same change.

    ``details`` must be identifiers, field names or counts, never the values of personal data.
    """
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )
    db.session.add(event)
    return event


def record_view(
    record: Record | None, action: str, subject_type: str, *, actor_id: int, **details: object
) -> Record | None:
    """Note that ``actor_id`` opened ``record`` (``action``, e.g. "invoice.viewed"), and commit.

    Staff pages that show personal data open their record through this, so the audit trail says
    who looked at whom; ``None`` (no such record) passes through unrecorded.
    """
    if record is not None:
        record_event(
            action, actor_id=actor_id, subject_type=subject_type, subject_id=record.id, **details
        )
        db.session.commit()
    return record


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log viewer asks for; every part is optional."""

    actor_id: int | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def list_events(filters: AuditFilter, *, page: int, per_page: int, timezone: str) -> Pagination:
    """Events matching ``filters``, newest first; dates are whole days in ``timezone``."""
    query = db.select(AuditEvent).options(selectinload(AuditEvent.actor))
    if filters.actor_id:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.subject_type and filters.subject_id:
        query = query.where(
            AuditEvent.subject_type == filters.subject_type,
            AuditEvent.subject_id == filters.subject_id,
        )
    zone = ZoneInfo(timezone)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, zone)
        query = query.where(AuditEvent.occurred_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, zone)
        query = query.where(AuditEvent.occurred_at < end)
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def recorded_actions() -> list[str]:
    """Every action name in the log, for the viewer's filter."""
    return list(
        db.session.scalars(db.select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )
