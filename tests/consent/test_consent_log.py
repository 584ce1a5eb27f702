"""The consent log: append-only records, and counts per ISO week for staff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import inspect

from joans.consent.log import WeeklyConsentCounts, record_consent, weekly_consent_counts
from joans.extensions import db
from joans.models import ConsentRecord
from joans.models.consent import ConsentMethod


def record(**overrides) -> ConsentRecord:
    """Record one choice with sensible defaults."""
    values = {"accepted": True, "method": ConsentMethod.FORM, "language": "sv", "revision": 1}
    return record_consent(**{**values, **overrides})


def test_a_record_holds_id_time_choice_revision_method_and_language(app):
    """The record states what was chosen, how, under which revision and when (server time)."""
    moment = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    with app.app_context(), time_machine.travel(moment, tick=False):
        saved = record(method=ConsentMethod.BUTTON, language="en", revision=4)
        db.session.expire_all()
        (stored,) = db.session.scalars(db.select(ConsentRecord)).all()
        assert stored.consent_id == saved.consent_id
        assert len(stored.consent_id) >= 22  # 128 random bits
        assert stored.recorded_at == moment
        assert (stored.choice, stored.method, stored.language, stored.revision) == (
            "accepted",
            "button",
            "en",
            4,
        )


def test_the_log_stores_no_ip_address_and_no_user_agent(app):
    """Exactly these columns: nothing that identifies a device or a network."""
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("consent_record")}
    assert columns == {
        "id",
        "consent_id",
        "recorded_at",
        "choice",
        "revision",
        "method",
        "language",
    }


@pytest.mark.parametrize(
    ("accepted", "previously_accepted", "choice"),
    [
        (True, False, "accepted"),
        (True, True, "accepted"),
        (False, False, "declined"),
        (False, True, "withdrawn"),
    ],
)
def test_a_refusal_after_an_acceptance_is_a_withdrawal(app, accepted, previously_accepted, choice):
    """GDPR art. 7(3): withdrawing is recorded as such."""
    with app.app_context():
        assert record(accepted=accepted, previously_accepted=previously_accepted).choice == choice


def test_a_given_consent_id_is_kept_and_a_missing_one_is_made(app):
    """Later choices of one browser share its id; each first choice gets a new random id."""
    with app.app_context():
        assert record(consent_id="known-id").consent_id == "known-id"
        assert record().consent_id != record().consent_id


def test_records_cannot_be_changed_or_deleted_through_the_orm(app):
    """A log that can be edited proves nothing."""
    with app.app_context():
        saved = record()
        saved.choice = "declined"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(ConsentRecord, saved.id))
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(ConsentRecord, saved.id).choice == "accepted"


def test_weekly_counts_group_by_iso_week_in_swedish_time(app):
    """Counts per ISO week and choice, oldest first, empty weeks included, Stockholm time."""
    moments = [
        # Week 1 of 2026 starts on Monday 29 December 2025.
        (datetime(2025, 12, 29, 9, 0, tzinfo=UTC), {"accepted": True}),
        (datetime(2026, 1, 2, 9, 0, tzinfo=UTC), {"accepted": False}),
        (datetime(2026, 1, 3, 9, 0, tzinfo=UTC), {"accepted": False, "method": ConsentMethod.GPC}),
        # Sunday 23:30 UTC is already Monday in Stockholm: week 3, not week 2.
        (
            datetime(2026, 1, 11, 23, 30, tzinfo=UTC),
            {"accepted": False, "previously_accepted": True},
        ),
        (datetime(2026, 1, 14, 12, 0, tzinfo=UTC), {"accepted": True}),
        # Too old for a three-week window ending in week 3.
        (datetime(2025, 12, 20, 12, 0, tzinfo=UTC), {"accepted": True}),
    ]
    with app.app_context():
        for moment, values in moments:
            with time_machine.travel(moment, tick=False):
                record(**values)
        counts = weekly_consent_counts(3, now=datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    assert counts == [
        WeeklyConsentCounts(year=2026, week=1, accepted=1, declined=2, declined_by_signal=1),
        WeeklyConsentCounts(year=2026, week=2),
        WeeklyConsentCounts(year=2026, week=3, accepted=1, withdrawn=1),
    ]


def test_weekly_counts_default_to_twelve_weeks_ending_this_week(app):
    """Without arguments: the last twelve weeks up to and including the current one."""
    with app.app_context(), time_machine.travel(datetime(2026, 6, 10, tzinfo=UTC), tick=False):
        record()
        counts = weekly_consent_counts()
    assert len(counts) == 12
    assert (counts[-1].year, counts[-1].week, counts[-1].accepted) == (2026, 24, 1)
    assert (counts[0].year, counts[0].week) == (2026, 13)
