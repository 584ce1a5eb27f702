"""The audit trail records who did what, to which record, and when."""

from datetime import UTC, datetime

import time_machine

from joans.audit import record_event
from joans.extensions import db
from joans.models import AuditEvent


def test_event_is_stored_with_the_time_and_only_the_details_given(app, make_staff):
    """The caller's commit stores the event with an aware UTC timestamp."""
    actor = make_staff()
    with (
        app.app_context(),
        time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False),
    ):
        record_event("company.viewed", actor_id=actor.id, subject_type="company", subject_id=42)
        db.session.commit()
        db.session.expire_all()
        (event,) = db.session.scalars(
            db.select(AuditEvent).filter_by(action="company.viewed")
        ).all()
    assert event.occurred_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert (event.actor_id, event.action, event.subject_type, event.subject_id) == (
        actor.id,
        "company.viewed",
        "company",
        42,
    )
    assert event.details == {}


def test_event_is_part_of_the_callers_transaction(app):
    """A rolled-back change leaves no audit event claiming it happened."""
    with app.app_context():
        record_event("callback.handled", subject_type="callback_request", subject_id=1)
        db.session.rollback()
        assert db.session.scalars(db.select(AuditEvent)).all() == []
