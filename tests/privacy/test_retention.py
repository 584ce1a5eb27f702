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
        period=lambda: "always",
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
        period=lambda: "a day",
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


def test_staff_sessions_go_once_they_can_no_longer_be_used(app, make_staff):
    """Ended, idle and too-old sessions are deleted; a live one stays."""
    from joans.models import StaffSession
    from joans.privacy.retention import purge

    account = make_staff()
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    sessions = {
        "live": {
            "created_at": now - timedelta(hours=1),
            "last_seen_at": now - timedelta(minutes=5),
        },
        "ended": {"created_at": now - timedelta(hours=1), "last_seen_at": now, "ended_at": now},
        "idle": {
            "created_at": now - timedelta(hours=1),
            "last_seen_at": now - timedelta(minutes=31),
        },
        "old": {"created_at": now - timedelta(hours=12), "last_seen_at": now},
    }
    with app.app_context():
        for token, times in sessions.items():
            db.session.add(StaffSession(user_id=account.id, token_hash=token,
                                        authenticated_at=times["created_at"], **times))  # fmt: skip
        db.session.commit()
        purge(now)
        assert db.session.scalars(select(StaffSession.token_hash)).all() == ["live"]


def test_former_staff_accounts_are_anonymised_after_the_retention_period(app, make_staff):
    """Two years after deactivation the name, address and credentials go; the row stays."""
    from joans.models import StaffUser
    from joans.privacy.retention import purge
    from joans.staff.users import deactivate

    admin = make_staff(role="admin")
    leaver, recent, current = (make_staff(name=name) for name in ("Lena L", "Rut Ny", "Kvar K"))
    deactivated_on = datetime(2024, 5, 1, tzinfo=UTC)
    with app.app_context():
        with time_machine.travel(deactivated_on, tick=False):
            deactivate(db.session.get(StaffUser, leaver.id), actor_id=admin.id)
        with time_machine.travel(deactivated_on + timedelta(days=400), tick=False):
            deactivate(db.session.get(StaffUser, recent.id), actor_id=admin.id)
        now = deactivated_on + timedelta(days=730)
        dry_run = {result.rule.name: result.count for result in purge(now, dry_run=True)}
        assert dry_run["staff_account"] == 1
        purge(now)
        purge(now)  # a second run changes nothing more
        users = {user.id: user for user in db.session.scalars(select(StaffUser))}
    assert users[leaver.id].name == ""
    assert users[leaver.id].email == f"former-staff-{leaver.id}@invalid"
    assert users[leaver.id].password_hash is None
    assert users[recent.id].name == "Rut Ny"
    assert users[current.id].name == "Kvar K"
    assert audit_count(app, "privacy.purge") == 1


def audit_count(app, action: str) -> int:
    """How many audit events of ``action`` exist."""
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def test_deactivation_removes_the_second_factor(app, make_staff):
    """A deactivated account keeps no TOTP secret and no recovery codes."""
    from joans.models import RecoveryCode, StaffUser
    from joans.staff.users import deactivate

    admin, leaver = make_staff(role="admin"), make_staff(role="admin")
    with app.app_context():
        deactivate(db.session.get(StaffUser, leaver.id), actor_id=admin.id)
        user = db.session.get(StaffUser, leaver.id)
        assert user.totp_secret is None
        assert user.deactivated_at is not None
        codes = (
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == leaver.id)
        )
        assert db.session.scalar(codes) == 0


def test_former_customers_go_with_their_contacts_notes_and_search_terms(app, make_staff):
    """CUSTOMER_RETENTION_DAYS after "customer until", everything the CRM holds on them goes."""
    from datetime import date

    from joans.crm import services as crm
    from joans.models import Company, Contact, Note, SearchTerm
    from joans.privacy.retention import purge

    staff = make_staff()
    today = date(2026, 6, 1)
    until = {"gone": today - timedelta(days=91), "grace": today - timedelta(days=89), "now": None}
    with app.app_context():
        companies = {}
        for key, customer_until in until.items():
            company = crm.create_company(
                {"name": f"Bolag {key}", "customer_since": date(2020, 1, 1),
                 "customer_until": customer_until}, actor_id=staff.id)  # fmt: skip
            contact = crm.create_contact(
                {"first_name": "Karin", "last_name": f"Kund {key}", "company_id": company.id},
                actor_id=staff.id,
            )
            crm.add_note(body=f"Ringde {key}", actor_id=staff.id, contact=contact)
            crm.add_note(body=f"Avtal {key}", actor_id=staff.id, company=company)
            companies[key] = company.id
        db.session.commit()
        purge(datetime(2026, 6, 1, 12, tzinfo=UTC))
        names = db.session.scalars(select(Company.name).order_by(Company.name)).all()
        last_names = db.session.scalars(select(Contact.last_name).order_by(Contact.last_name)).all()
        notes = db.session.scalars(select(Note.body).order_by(Note.body)).all()
        terms = db.session.scalars(select(SearchTerm.term)).all()
    assert names == ["Bolag grace", "Bolag now"]
    assert last_names == ["Kund grace", "Kund now"]
    assert notes == ["Avtal grace", "Avtal now", "Ringde grace", "Ringde now"]
    assert not any("gone" in term for term in terms)


def test_answered_data_requests_go_after_their_retention(app, make_staff):
    """A request closed more than DATA_REQUEST_RETENTION_DAYS ago is deleted; open ones stay."""
    from datetime import date

    from joans.models import DataSubjectRequest
    from joans.privacy.retention import purge

    staff = make_staff()
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    closed = {"old": now - timedelta(days=1095), "recent": now - timedelta(days=1094), "open": None}
    with app.app_context():
        for name, closed_at in closed.items():
            db.session.add(DataSubjectRequest(
                kind="access", received_on=date(2023, 1, 1), due_on=date(2023, 2, 1),
                requester_name=name, registered_by_id=staff.id, closed_at=closed_at,
                closed_by_id=staff.id if closed_at else None,
            ))  # fmt: skip
        db.session.commit()
        purge(now)
        names = db.session.scalars(select(DataSubjectRequest.requester_name)).all()
    assert sorted(names) == ["open", "recent"]


def test_audit_events_go_after_their_own_retention(app):
    """An event AUDIT_RETENTION_DAYS old is deleted; one a second younger stays."""
    from joans.privacy.retention import purge

    with app.app_context():
        period = timedelta(days=app.config["AUDIT_RETENTION_DAYS"])
        for action, occurred_at in (
            ("example.old", NOW - period),
            ("example.recent", NOW - period + timedelta(seconds=1)),
        ):
            db.session.add(AuditEvent(action=action, occurred_at=occurred_at, details={}))
        db.session.commit()
        dry_run = {result.rule.name: result.count for result in purge(NOW, dry_run=True)}
        purge(NOW)
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action != "privacy.purge")
        ).all()
    assert dry_run["audit"] == 1
    assert actions == ["example.recent"]


def test_invitations_nobody_accepted_go_after_the_link_expired(app, make_staff):
    """STAFF_INVITATION_RETENTION_DAYS after the link expired, a password-less account goes;
    an invitation still in its grace period, an accepted one and an anonymised former
    colleague's account stay."""
    from joans.models import StaffUser
    from joans.privacy.retention import purge

    link = timedelta(seconds=app.config["STAFF_INVITATION_MAX_AGE"])
    grace = timedelta(days=app.config["STAFF_INVITATION_RETENTION_DAYS"])
    invited_at = {
        "lapsed": NOW - link - grace,
        "waiting": NOW - link - grace + timedelta(seconds=1),
        "accepted": NOW - timedelta(days=400),
    }
    accounts = {
        key: make_staff(f"{key}@joans.se", **({} if key == "accepted" else {"password": None})).id
        for key in invited_at
    }
    with app.app_context():
        for key, created_at in invited_at.items():
            db.session.get(StaffUser, accounts[key]).created_at = created_at
        former = StaffUser(name="", email="former-staff-99@invalid", active=False,
                           created_at=NOW - timedelta(days=4000),
                           deactivated_at=NOW - timedelta(days=3000))  # fmt: skip
        db.session.add(former)
        db.session.commit()
        dry_run = {result.rule.name: result.count for result in purge(NOW, dry_run=True)}
        purge(NOW)
        remaining = set(db.session.scalars(select(StaffUser.email)))
    assert dry_run["staff_invitation"] == 1
    assert remaining == {"waiting@joans.se", "accepted@joans.se", "former-staff-99@invalid"}


def test_a_rule_that_never_settles_stops_the_purge_and_changes_nothing(app, monkeypatch):
    """An anonymise rule that matches its own result would repeat forever: the purge refuses."""
    from joans.privacy.retention import PurgeDoesNotSettle, purge

    rule = RetentionRule(
        name="unsettled-example",
        model=CallbackRequest,
        action=Action.ANONYMISE,
        what="example",
        why="example",
        expired=lambda now: CallbackRequest.created_at <= now,  # still true after the update
        limit=lambda: "always",
        period=lambda: "always",
        anonymise={"name": "(removed)"},
    )
    monkeypatch.setitem(RULES, rule.name, rule)
    with app.app_context():
        request_id = add_request(NOW - timedelta(days=1))
        with pytest.raises(PurgeDoesNotSettle, match="unsettled-example"):
            purge(NOW)
        assert db.session.get(CallbackRequest, request_id).name == NAME
