"""Writing the audit trail."""

from __future__ import annotations

from joans.extensions import db
from joans.models.audit import AuditEvent


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
