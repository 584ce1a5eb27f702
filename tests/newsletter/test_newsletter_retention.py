"""How long newsletter data is kept: outbox links to recipients go, suppression hashes stay."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select, update

from joans.extensions import db
from joans.models import Contact
from joans.models.newsletter import NewsletterSubscription, OutboxMessage, Suppression
from joans.models.types import utcnow
from joans.newsletter import campaigns
from joans.newsletter.subscriptions import unsubscribe
from tests.newsletter import add_subscribers, queue, write_newsletter


def finish_rows(status: str, finished_at) -> None:
    db.session.execute(update(OutboxMessage).values(status=status, finished_at=finished_at))
    db.session.commit()


def purge(runner, when, *args):
    with time_machine.travel(when, tick=False):
        return runner.invoke(args=["privacy", "purge", *args])


def test_finished_outbox_rows_lose_their_recipient_after_the_retention_period(app, runner):
    """After NEWSLETTER_OUTBOX_RETENTION_DAYS only the counts remain; younger rows keep theirs."""
    with app.app_context():
        add_subscribers(3)
        newsletter_id = write_newsletter()
        queue(newsletter_id)
        ids = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        sent_at = utcnow()
        finish_rows("sent", sent_at)
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == ids[0])
            .values(finished_at=sent_at - timedelta(days=1))
        )
        db.session.commit()
    later = sent_at + timedelta(days=90) - timedelta(minutes=1)
    result = purge(runner, later)
    assert "newsletter_outbox: 1 anonymised" in result.output
    with app.app_context():
        linked = dict(
            db.session.execute(select(OutboxMessage.id, OutboxMessage.subscription_id)).all()
        )
        assert linked[ids[0]] is None
        assert None not in (linked[ids[1]], linked[ids[2]])
        assert campaigns.progress(newsletter_id).sent == 3
    assert "newsletter_outbox: 0 anonymised" in purge(runner, later).output


def test_rows_still_waiting_are_never_anonymised(app, runner):
    """A message that has not gone out keeps its recipient, however old the campaign."""
    with app.app_context():
        add_subscribers(2)
        queue(write_newsletter())
    result = purge(runner, utcnow() + timedelta(days=400), "--dry-run")
    assert "newsletter_outbox: 0 would be anonymised" in result.output
    assert "NEWSLETTER_OUTBOX_RETENTION_DAYS" in result.output


def test_suppression_hashes_outlive_the_contacts_and_every_purge(app, runner):
    """An objection holds for good (GDPR art. 21(3)): the hash stays after the contact goes."""
    with app.app_context():
        add_subscribers(1)
        subscription_id = db.session.scalar(select(NewsletterSubscription.id))
        unsubscribe(subscription_id)
        db.session.execute(db.delete(Contact))
        db.session.commit()
        assert db.session.scalars(select(NewsletterSubscription)).all() == []
    result = purge(runner, utcnow() + timedelta(days=10 * 365))
    assert "newsletter_suppression: 0 deleted" in result.output
    dry_run = purge(runner, utcnow(), "--dry-run").output
    assert "never: kept for as long as we send newsletters" in dry_run
    with app.app_context():
        assert len(db.session.scalars(select(Suppression)).all()) == 1
