"""Newsletter campaigns: write, preview, test, queue for every subscriber, follow progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from markupsafe import Markup
from sqlalchemy import case, func, insert, or_, select, text, update

from joans.audit import record_event
from joans.extensions import db
from joans.mail_transport import SMTPSession
from joans.models.crm import Company, Contact
from joans.models.newsletter import (
    Newsletter,
    NewsletterSubscription,
    OutboxMessage,
    OutboxStatus,
    SubscriptionStatus,
)
from joans.models.types import utcnow
from joans.newsletter.content import (
    TOKEN_PLACEHOLDER,
    envelope_sender,
    message_template,
    render_parts,
    smtp_address,
    unsubscribe_url_template,
)
from joans.newsletter.subscriptions import (
    address_hash,
    normalise_address,
    suppressed_hashes,
    unsubscribe_token,
)

FIELDS = ("subject_sv", "body_sv", "subject_en", "body_en")


def create_newsletter(values: dict, *, actor_id: int) -> Newsletter:
    """Save a new draft (values are validated; empty English fields are None)."""
    newsletter = Newsletter(**{name: values.get(name) for name in FIELDS}, created_by_id=actor_id)
    db.session.add(newsletter)
    db.session.flush()
    record_event(
        "newsletter.created", actor_id=actor_id, subject_type="newsletter", subject_id=newsletter.id
    )
    db.session.commit()
    return newsletter


class AlreadySent(Exception):
    """A newsletter that has been sent can no longer be changed."""


def update_newsletter(newsletter: Newsletter, values: dict, *, actor_id: int) -> list[str]:
    """Change a draft; names the changed fields in the audit log. Raises AlreadySent."""
    if not newsletter.is_draft:
        raise AlreadySent
    changed = [name for name in FIELDS if getattr(newsletter, name) != values.get(name)]
    for name in changed:
        setattr(newsletter, name, values.get(name))
    if changed:
        record_event(
            "newsletter.updated",
            actor_id=actor_id,
            subject_type="newsletter",
            subject_id=newsletter.id,
            fields=changed,
        )
        db.session.commit()
    return changed


def find_newsletter(newsletter_id: int) -> Newsletter | None:
    """A campaign by id."""
    return db.session.get(Newsletter, newsletter_id)


def list_newsletters() -> list[Newsletter]:
    """Every campaign, newest first."""
    query = select(Newsletter).order_by(Newsletter.created_at.desc(), Newsletter.id.desc())
    return list(db.session.scalars(query))


# --- Recipients ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """One subscription a campaign goes to."""

    subscription_id: int
    language: str


def current_recipients() -> list[Recipient]:
    """Everyone the next campaign goes to, each address once.

    Subscribed contacts with an address, of companies that are still customers (or of no
    company), whose address is not on the suppression list; when two contacts share an address
    the older subscription gets the one message.
    """
    today = utcnow().date()
    query = (
        select(NewsletterSubscription.id, NewsletterSubscription.language, Contact.email)
        .join(Contact, Contact.id == NewsletterSubscription.contact_id)
        .outerjoin(Company, Company.id == Contact.company_id)
        .where(
            NewsletterSubscription.status == SubscriptionStatus.SUBSCRIBED,
            Contact.email.is_not(None),
            Contact.email != "",
            or_(Company.customer_until.is_(None), Company.customer_until >= today),
        )
        .order_by(NewsletterSubscription.id)
    )
    suppressed = suppressed_hashes()
    seen: set[str] = set()
    recipients = []
    for subscription_id, language, email in db.session.execute(query):
        address = normalise_address(email)
        if address in seen or address_hash(address) in suppressed:
            continue
        seen.add(address)
        recipients.append(Recipient(subscription_id, language))
    return recipients


def recipient_counts() -> dict[str, int]:
    """How many recipients the next campaign would have, per language."""
    counts = {"sv": 0, "en": 0}
    for recipient in current_recipients():
        counts[recipient.language] += 1
    return counts


def queue_newsletter(newsletter_id: int, *, actor_id: int) -> int | None:
    """Put one outbox row per current recipient in the outbox; None if it was queued before.

    One conditional update decides, so pressing "Send" twice (or two colleagues at once) queues
    the campaign once, and the unique (campaign, subscription) pair guards the rows themselves.
    """
    now = utcnow()
    first = db.session.execute(
        update(Newsletter)
        .where(Newsletter.id == newsletter_id, Newsletter.queued_at.is_(None))
        .values(queued_at=now, queued_by_id=actor_id)
    ).rowcount
    if not first:
        db.session.rollback()
        return None
    newsletter = db.session.get(Newsletter, newsletter_id)
    languages = newsletter.languages
    rows = [
        {
            "newsletter_id": newsletter_id,
            "subscription_id": recipient.subscription_id,
            "language": recipient.language if recipient.language in languages else "sv",
            "status": OutboxStatus.QUEUED,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for recipient in current_recipients()
    ]
    if rows:
        db.session.execute(insert(OutboxMessage), rows)
    record_event(
        "newsletter.queued",
        actor_id=actor_id,
        subject_type="newsletter",
        subject_id=newsletter_id,
        recipients=len(rows),
    )
    db.session.commit()
    if rows and db.engine.dialect.name == "postgresql":
        # Thousands of new rows make the planner's statistics stale until autovacuum comes by;
        # fresh ones keep the worker's lookups on the primary key from the first message.
        db.session.execute(text("ANALYZE newsletter_outbox"))
        db.session.commit()
    return len(rows)


# --- Progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far a campaign has come: rows per status."""

    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        """Every row of the campaign."""
        return self.queued + self.sending + self.sent + self.failed + self.unknown + self.skipped

    @property
    def finished(self) -> bool:
        """True when no message is waiting or on its way."""
        return self.queued == 0 and self.sending == 0


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=current_app.config["NEWSLETTER_SENDING_TIMEOUT"])


def progress(newsletter_id: int, now: datetime | None = None) -> Progress:
    """Counts per status; a row "sending" for longer than the timeout counts as unknown."""
    now = now or utcnow()
    stale = (OutboxMessage.status == OutboxStatus.SENDING) & (
        OutboxMessage.sending_at < _stale_before(now)
    )
    status = case((stale, OutboxStatus.UNKNOWN.value), else_=OutboxMessage.status)
    query = (
        select(status, func.count())
        .where(OutboxMessage.newsletter_id == newsletter_id)
        .group_by(status)
    )
    return Progress(**dict(db.session.execute(query).all()))


@dataclass(frozen=True)
class Problem:
    """A message that failed or whose fate is unknown, for staff to look into."""

    status: str
    error: str | None
    contact: Contact | None
    finished_at: datetime | None


def problems(newsletter_id: int, *, actor_id: int, now: datetime | None = None) -> list[Problem]:
    """Failed and unknown messages with their contacts; the audit log notes who looked."""
    now = now or utcnow()
    stale = (OutboxMessage.status == OutboxStatus.SENDING) & (
        OutboxMessage.sending_at < _stale_before(now)
    )
    query = (
        select(OutboxMessage, Contact)
        .outerjoin(
            NewsletterSubscription,
            NewsletterSubscription.id == OutboxMessage.subscription_id,
        )
        .outerjoin(Contact, Contact.id == NewsletterSubscription.contact_id)
        .where(
            OutboxMessage.newsletter_id == newsletter_id,
            OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.UNKNOWN]) | stale,
        )
        .order_by(OutboxMessage.id)
    )
    found = [
        Problem(
            status=OutboxStatus.UNKNOWN if row.status == OutboxStatus.SENDING else row.status,
            error=row.error,
            contact=contact,
            finished_at=row.finished_at or row.sending_at,
        )
        for row, contact in db.session.execute(query)
    ]
    if found:
        record_event(
            "newsletter.problems_listed",
            actor_id=actor_id,
            subject_type="newsletter",
            subject_id=newsletter_id,
            count=len(found),
        )
        db.session.commit()
    return found


# --- Preview and test ------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """A campaign in one language as a recipient will see it."""

    language: str
    sender: str
    subject: str
    html: Markup
    text: str


def preview(newsletter: Newsletter, language: str) -> Preview:
    """The HTML and plain-text parts, with a test link that unsubscribes nobody."""
    parts = render_parts(newsletter, language)
    url = unsubscribe_url_template(language).replace(TOKEN_PLACEHOLDER, unsubscribe_token(None))
    return Preview(
        language=language,
        sender=current_app.config["NEWSLETTER_SENDER"],
        subject=parts.subject,
        html=parts.html_fragment_with(url),
        text=parts.text_with(url),
    )


def send_test(newsletter_id: int, *, to: str, actor_id: int) -> tuple[str, ...]:
    """Mail each language version to ``to`` right away, marked as a test, with a link that
    unsubscribes nobody. Returns the languages sent; raises DeliveryError when the server says no.
    """
    newsletter = db.session.get(Newsletter, newsletter_id)
    address, smtputf8 = smtp_address(to)
    session = SMTPSession()
    try:
        for language in newsletter.languages:
            template = message_template(newsletter, language, test=True)
            message = template.build(to=address, token=unsubscribe_token(None), outbox_id=None)
            session.envelope(envelope_sender(), address, smtputf8=smtputf8)
            session.data(message)
    finally:
        session.close()
    record_event(
        "newsletter.test_sent",
        actor_id=actor_id,
        subject_type="newsletter",
        subject_id=newsletter_id,
        languages=list(newsletter.languages),
    )
    db.session.commit()
    return newsletter.languages
