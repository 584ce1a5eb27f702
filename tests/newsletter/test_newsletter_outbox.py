"""The outbox worker against a real SMTP server that misbehaves (CHECKLISTS N6, N8, N10).

Every test counts what arrived: every recipient exactly once, except rows reported as unknown,
which arrived at most once.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from joans.extensions import db
from joans.models import Contact
from joans.models.newsletter import OutboxMessage, OutboxStatus
from joans.models.types import utcnow
from joans.newsletter import campaigns
from joans.newsletter.outbox import retry_delay
from joans.newsletter.subscriptions import record_objection, unsubscribe
from tests.newsletter import (
    WorkerClock,
    add_subscriber,
    add_subscribers,
    newsletter_config,
    outbox_statuses,
    queue,
    send_outbox,
    write_newsletter,
)


@pytest.fixture
def app_config(smtp_server):
    return newsletter_config(smtp_server)


@pytest.fixture
def campaign(app):
    """Twelve subscribers and one campaign queued for them; returns their addresses."""
    with app.app_context():
        addresses = add_subscribers(12)
        queue(write_newsletter())
    return addresses


def assert_each_received_once(smtp_server, addresses, *, unknown=0):
    """Everyone got exactly one copy, except up to ``unknown`` rows that got at most one."""
    received = Counter(smtp_server.recipients())
    assert max(received.values(), default=0) == 1, "somebody got the newsletter twice"
    assert set(received) <= set(addresses)
    assert len(addresses) - len(received) <= unknown


def test_a_campaign_reaches_every_subscriber_once(app, smtp_server, campaign):
    """The plain case: one message each, all rows sent, over one connection."""
    report = send_outbox(app)
    assert report.sent == 12
    assert sorted(smtp_server.recipients()) == sorted(campaign)
    assert smtp_server.connections == 1
    with app.app_context():
        assert outbox_statuses() == {"sent": 12}


def test_sending_twice_mails_nobody_twice(app, smtp_server, campaign):
    """N10: a second Send queues nothing, and a second worker run finds nothing to do."""
    with app.app_context():
        newsletter_id = db.session.scalar(select(OutboxMessage.newsletter_id).limit(1))
        assert queue(newsletter_id) is None
    send_outbox(app)
    assert send_outbox(app).sent == 0
    with app.app_context():
        assert queue(newsletter_id) is None
    assert_each_received_once(smtp_server, campaign)
    assert len(smtp_server.messages) == 12


def test_the_database_refuses_a_second_row_for_one_recipient(app, campaign):
    """One row per campaign and recipient is a unique constraint, not only a habit of the code."""
    with app.app_context():
        row = db.session.scalars(select(OutboxMessage).limit(1)).one()
        db.session.add(
            OutboxMessage(
                newsletter_id=row.newsletter_id,
                subscription_id=row.subscription_id,
                language="sv",
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_unsubscribing_after_queueing_stops_the_message(app, smtp_server):
    """N6: the suppression list and the subscription are checked right before each send."""
    with app.app_context():
        _, leaving = add_subscriber("leaving@example.se", order_id=1)
        objecting_contact, _ = add_subscriber("objecting@example.se", order_id=2)
        add_subscriber("staying@example.se", order_id=3)
        queue(write_newsletter())
        unsubscribe(leaving)
        record_objection(objecting_contact, actor_id=None)
    report = send_outbox(app)
    assert smtp_server.recipients() == ["staying@example.se"]
    assert (report.sent, report.skipped) == (1, 2)
    with app.app_context():
        assert outbox_statuses() == {"sent": 1, "skipped": 2}


def test_an_address_suppressed_through_another_contact_is_not_mailed(app, smtp_server):
    """Two contacts, one address: once it is suppressed, neither contact gets the message."""
    with app.app_context():
        first_contact, _ = add_subscriber("shared@example.se", order_id=1)
        queue(write_newsletter())
        _, second = add_subscriber("other@example.se", order_id=2)
        # The contact whose message is queued changes address to one that unsubscribed.
        unsubscribe(second)
        db.session.get(Contact, first_contact).email = "other@example.se"
        db.session.commit()
    send_outbox(app)
    assert smtp_server.messages == []


def test_server_refusing_for_a_while_then_recovering_delivers_everyone_once(
    app, smtp_server, campaign
):
    """4xx replies are temporary: the rows are retried with backoff until the server recovers."""
    smtp_server.temporary_failures = 5
    report = send_outbox(app, drain=True)
    assert report.retried == 5
    assert_each_received_once(smtp_server, campaign)
    assert len(smtp_server.messages) == 12
    with app.app_context():
        assert outbox_statuses() == {"sent": 12}
        errors = set(db.session.scalars(select(OutboxMessage.error)))
    assert "451 4.3.0" in errors


def test_server_not_listening_for_a_while_then_back_delivers_everyone_once(
    app, smtp_server, campaign
):
    """Connection refused: nothing is marked sending, the worker waits and resumes."""
    smtp_server.stop_listening()
    threading.Timer(0.5, smtp_server.start_listening).start()
    report = send_outbox(app, drain=True)
    assert report.connection_failures >= 1
    assert report.sent == 12
    assert_each_received_once(smtp_server, campaign)
    assert len(smtp_server.messages) == 12


def test_a_run_from_cron_stops_when_the_server_is_down_and_the_next_run_sends(
    app, smtp_server, campaign
):
    """Without --loop the worker gives up for now, leaves every row queued, and resumes later."""
    smtp_server.stop_listening()
    report = send_outbox(app)
    assert report.connection_failures == 1 and report.sent == 0
    with app.app_context():
        assert outbox_statuses() == {"queued": 12}
    smtp_server.start_listening()
    assert send_outbox(app).sent == 12
    assert_each_received_once(smtp_server, campaign)


def test_connection_dropped_before_the_data_is_retried_without_duplicates(
    app, smtp_server, campaign
):
    """The server hangs up mid-batch before a message was complete: it is sent again, once."""
    smtp_server.drop_on_mail = 2
    report = send_outbox(app, drain=True)
    assert report.retried == 2
    assert_each_received_once(smtp_server, campaign)
    assert len(smtp_server.messages) == 12
    assert smtp_server.connections == 3  # one new connection after each drop


def test_connection_dropped_after_the_data_is_unknown_and_never_resent(app, smtp_server, campaign):
    """The message was delivered but no reply came: reported unknown, not sent a second time."""
    smtp_server.drop_after_data = 1
    report = send_outbox(app, drain=True)
    assert report.unknown == 1
    assert report.sent == 11
    assert_each_received_once(smtp_server, campaign, unknown=1)
    assert len(smtp_server.messages) == 12  # the unknown one did arrive, once
    with app.app_context():
        assert outbox_statuses() == {"sent": 11, "unknown": 1}


def test_a_permanent_refusal_fails_that_row_with_its_code_and_the_rest_go_out(
    app, smtp_server, campaign
):
    """N10: 5xx for one address marks it failed (code shown to staff); others are unaffected."""
    smtp_server.refuse[campaign[3]] = "550 5.1.1 <kund0004@example.se>: no such user"
    report = send_outbox(app)
    assert (report.sent, report.failed) == (11, 1)
    assert campaign[3] not in smtp_server.recipients()
    assert_each_received_once(smtp_server, [a for a in campaign if a != campaign[3]])
    with app.app_context():
        failed = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        ).one()
        assert failed.error == "550 5.1.1"  # the code, never the text quoting the address
        newsletter_id = failed.newsletter_id
        (problem,) = campaigns.problems(newsletter_id, actor_id=None)
        assert problem.contact.email == campaign[3]


def test_temporary_failures_give_up_after_the_configured_attempts(app, smtp_server):
    """A recipient greylisted forever is marked failed after NEWSLETTER_MAX_ATTEMPTS tries."""
    app.config["NEWSLETTER_MAX_ATTEMPTS"] = 3
    with app.app_context():
        add_subscriber("greylisted@example.se")
        queue(write_newsletter())
    smtp_server.refuse["greylisted@example.se"] = "450 4.2.0 Greylisted"
    report = send_outbox(app, drain=True)
    assert (report.retried, report.failed) == (2, 1)
    with app.app_context():
        row = db.session.scalars(select(OutboxMessage)).one()
        assert (row.status, row.attempts, row.error) == ("failed", 3, "450 4.2.0")


def test_retries_back_off_exponentially_up_to_a_cap():
    """1, 2, 4 ... times the base, never more than 64 times."""
    delays = [retry_delay(attempt, 60).total_seconds() for attempt in (1, 2, 3, 7, 8, 20)]
    assert delays == [60, 120, 240, 3840, 3840, 3840]


def test_a_retry_waits_for_its_backoff(app, smtp_server):
    """A row that failed temporarily is not due again before its backoff has passed."""
    app.config["NEWSLETTER_RETRY_SECONDS"] = 600
    with app.app_context():
        add_subscriber("anna@example.se")
        queue(write_newsletter())
    smtp_server.temporary_failures = 1
    assert send_outbox(app).retried == 1
    assert send_outbox(app).sent == 0
    with time_machine.travel(utcnow() + timedelta(seconds=601)):
        assert send_outbox(app).sent == 1
    assert smtp_server.recipients() == ["anna@example.se"]


def test_a_row_left_sending_by_a_dead_worker_becomes_unknown_and_is_never_resent(
    app, smtp_server, campaign
):
    """After NEWSLETTER_SENDING_TIMEOUT a "sending" row is reported unknown, not sent."""
    with app.app_context():
        first = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id).limit(1))
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == first)
            .values(status=OutboxStatus.SENDING, sending_at=utcnow(), attempts=1)
        )
        db.session.commit()
        newsletter_id = db.session.scalar(select(OutboxMessage.newsletter_id).limit(1))
        assert campaigns.progress(newsletter_id).sending == 1
        later = utcnow() + timedelta(seconds=601)
        assert campaigns.progress(newsletter_id, now=later).unknown == 1
    assert send_outbox(app).sent == 11
    with time_machine.travel(utcnow() + timedelta(seconds=601)):
        report = send_outbox(app)
    assert report.unknown == 1
    assert len(smtp_server.messages) == 11
    assert campaign[0] not in smtp_server.recipients()
    with app.app_context():
        assert outbox_statuses() == {"sent": 11, "unknown": 1}


def test_the_worker_keeps_to_the_configured_rate(app, smtp_server):
    """NEWSLETTER_SEND_RATE = 20 a second: ten messages take at least 0.45 s."""
    app.config["NEWSLETTER_SEND_RATE"] = 20
    with app.app_context():
        add_subscribers(10)
        queue(write_newsletter())
    clock = WorkerClock()
    assert send_outbox(app, clock=clock).sent == 10
    # Nine pauses of 1/20 s between ten messages, on the worker's own clock.
    assert clock.slept == pytest.approx([0.05] * 9)
    assert clock.now == pytest.approx(0.45)


def test_the_loop_mode_stops_when_asked_and_hands_back_what_it_did_not_send(
    app, smtp_server, campaign
):
    """--loop runs until SIGTERM; it finishes the message in hand and leaves the rest queued."""
    sent_before_stop = []

    def should_stop() -> bool:
        sent_before_stop.append(len(smtp_server.messages))
        return len(smtp_server.messages) >= 3

    report = send_outbox(app, loop=True, should_stop=should_stop)
    assert report.sent == 3
    with app.app_context():
        assert outbox_statuses() == {"sent": 3, "queued": 9}
    assert send_outbox(app).sent == 9
    assert_each_received_once(smtp_server, campaign)


def test_an_unsubscribe_during_a_rate_limited_run_stops_the_next_message(app, smtp_server):
    """N6 while sending: at a set rate each row is checked right before its own message."""
    app.config["NEWSLETTER_SEND_RATE"] = 20
    with app.app_context():
        addresses = add_subscribers(6)
        queue(write_newsletter())
        leaving = db.session.scalar(
            select(OutboxMessage.subscription_id).order_by(OutboxMessage.id.desc()).limit(1)
        )

    def unsubscribe_when_two_have_arrived():
        if len(smtp_server.messages) == 2:
            with app.app_context():  # as the unsubscribe page would, in a request of its own
                unsubscribe(leaving)

    report = send_outbox(app, clock=WorkerClock(on_sleep=unsubscribe_when_two_have_arrived))
    assert smtp_server.recipients() == addresses[:5]
    assert (report.sent, report.skipped) == (5, 1)
