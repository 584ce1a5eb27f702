"""Retention rules and `flask privacy purge` (CHECKLISTS.md D5, D6)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from joans.extensions import db
from joans.models import AuditEvent, CallbackRequest
from joans.privacy.retention import RULES, Action, RetentionRule, register

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
NAME = "Anna Andersson"
PHONE = "+46701234567"


def add_request(created_at: datetime, name: str = NAME) -> int:
    """Store a call-back request received at ``created_at``; returns its id."""
    callback = CallbackRequest(name=name, phone=PHONE, language="sv", created_at=created_at)
    db.session.add(callback)
    db.session.commit()
    return callback.id


def remaining_ids() -> set[int]:
    return set(db.session.scalars(select(CallbackRequest.id)))


@pytest.fixture
def requests_of_every_age(app):
    """Requests just inside, exactly at and beyond the 30-day limit; returns (kept, expired)."""
    with app.app_context():
        kept = {
            add_request(NOW),
            add_request(NOW - timedelta(days=29)),
            add_request(NOW - timedelta(days=30) + timedelta(seconds=1)),
        }
        expired = {
            add_request(NOW - timedelta(days=30)),
            add_request(NOW - timedelta(days=30, seconds=1)),
            add_request(NOW - timedelta(days=400)),
        }
    return kept, expired


def purge(runner, *args):
    """Run `flask privacy purge` at NOW with a frozen clock."""
    with time_machine.travel(NOW, tick=False):
        return runner.invoke(args=["privacy", "purge", *args])


def test_purge_deletes_exactly_the_requests_older_than_the_maximum_age(
    app, runner, requests_of_every_age
):
    """A request 30 days old goes; one a second younger stays."""
    kept, expired = requests_of_every_age
    result = purge(runner)
    assert result.exit_code == 0, result.output
    assert "callback: 3 deleted" in result.output
    with app.app_context():
        assert remaining_ids() == kept
        assert remaining_ids().isdisjoint(expired)


def test_dry_run_lists_what_would_go_and_why_and_deletes_nothing(
    app, runner, requests_of_every_age
):
    """--dry-run counts per rule, names the limit and the reason, and changes nothing."""
    kept, expired = requests_of_every_age
    result = purge(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "callback: 3 would be deleted" in result.output
    assert "older than 30 days" in result.output
    assert "privacy policy" in result.output
    with app.app_context():
        assert remaining_ids() == kept | expired
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_second_purge_deletes_nothing_more(app, runner, requests_of_every_age):
    """Running the daily job twice is harmless: the second run finds nothing."""
    kept, _ = requests_of_every_age
    purge(runner)
    result = purge(runner)
    assert "callback: 0 deleted" in result.output
    with app.app_context():
        assert remaining_ids() == kept


def test_maximum_age_is_configurable(app, runner, requests_of_every_age):
    """With CALLBACK_MAX_AGE_DAYS = 7 a request 29 days old goes too."""
    app.config["CALLBACK_MAX_AGE_DAYS"] = 7
    kept, _ = requests_of_every_age
    purge(runner)
    with app.app_context():
        assert remaining_ids() == {min(kept)}  # only the one received NOW


def test_purge_prints_logs_and_audits_counts_never_personal_data(
    app, runner, requests_of_every_age, caplog
):
    """Output, log and audit trail hold the rule and the count, not the name or the number."""
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        result = purge(runner)
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent)).all()
    assert event.action == "privacy.purge"
    assert event.details == {"rule": "callback", "deleted": 3}
    assert "callback deleted 3" in caplog.text
    for text in (result.output, caplog.text, str(event.details)):
        assert NAME not in text
        assert PHONE not in text
        assert "701234567" not in text


def test_every_declared_retention_name_has_a_rule(app):
    """A column that names a retention rule the purge does not know would be kept forever."""
    declared = {
        column.info["personal_data"].retention
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.info.get("personal_data")
    }
    assert "callback" in declared
    assert declared - set(RULES) == set()


def test_every_rule_says_what_it_removes_and_why(app):
    """The dry run and the privacy page can explain each rule."""
    with app.app_context():
        for rule in RULES.values():
            assert rule.what
            assert rule.why
            assert rule.limit()


def test_a_rule_name_can_be_registered_only_once():
    """Two rules of the same name would make declarations ambiguous."""
    with pytest.raises(ValueError, match="already exists"):
        register(RULES["callback"])


def test_an_anonymise_rule_must_say_what_replaces_the_data():
    """Anonymising without replacement values would silently do nothing."""
    rule = RetentionRule(
        name="unregistered-example",
        model=CallbackRequest,
        action=Action.ANONYMISE,
        what="example",
        why="example",
        expired=lambda now: CallbackRequest.created_at <= now,
        limit=lambda: "always",
    )
    with pytest.raises(ValueError, match="replaces the data"):
        register(rule)
    assert "unregistered-example" not in RULES


def test_an_anonymise_rule_blanks_the_expired_rows_and_keeps_the_others(app):
    """ANONYMISE replaces the declared columns in expired rows only, keeping the rows."""
    rule = RetentionRule(
        name="unregistered-anonymise-example",
        model=CallbackRequest,
        action=Action.ANONYMISE,
        what="example",
        why="example",
        expired=lambda now: CallbackRequest.created_at <= now - timedelta(days=1),
        limit=lambda: "older than a day",
        anonymise={"name": "(removed)"},
    )
    with app.app_context():
        old = add_request(NOW - timedelta(days=2))
        new = add_request(NOW)
        assert rule.count_expired(NOW) == 1
        assert rule.apply(NOW) == 1
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(CallbackRequest, old).name == "(removed)"
        assert db.session.get(CallbackRequest, new).name == NAME


def test_consent_records_go_after_the_configured_retention(app):
    """A consent record older than CONSENT_LOG_RETENTION_DAYS is purged; a younger one stays."""
    from joans.models import ConsentRecord
    from joans.privacy.retention import purge

    app.config["CONSENT_LOG_RETENTION_DAYS"] = 10
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    with app.app_context():
        for age_days, consent_id in ((10, "old"), (9, "young")):
            db.session.add(
                ConsentRecord(consent_id=consent_id, recorded_at=now - timedelta(days=age_days),
                              choice="accepted", revision=1, method="form", language="sv")
            )  # fmt: skip
        db.session.commit()
        purge(now)
        remaining = db.session.scalars(select(ConsentRecord.consent_id)).all()
    assert remaining == ["young"]
