"""Helpers for the newsletter tests: subscribers made the way orders will make them, campaigns,
the outbox worker, and what the outbox says afterwards."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import insert, select

from joans.crm import services as crm
from joans.extensions import db
from joans.models.crm import Contact
from joans.models.newsletter import NewsletterSubscription, OutboxMessage
from joans.models.orders import Order, OrderStatus
from joans.models.types import utcnow
from joans.newsletter import campaigns
from joans.newsletter.outbox import OutboxWorker
from joans.newsletter.subscriptions import record_order_opt_in, unsubscribe_token

SITE_URL = "https://joans.se"
ORDER_DATE = date(2026, 11, 2)


def newsletter_config(smtp_server) -> dict:
    """Mail to the test server, links on https://joans.se, no rate limit, quick retries."""
    return {
        **smtp_server.app_config,
        "SITE_URL": SITE_URL,
        "NEWSLETTER_SEND_RATE": 0,
        "NEWSLETTER_RETRY_SECONDS": 0.05,
        "NEWSLETTER_POLL_SECONDS": 0.1,
    }


def add_subscriber(
    email: str | None,
    *,
    language: str = "sv",
    objected: bool = False,
    order_id: int = 1,
    first_name: str = "Kund",
    company_id: int | None = None,
) -> tuple[int, int]:
    """A contact who ordered (order ``order_id``), ticked the box or not; (contact, subscription).

    Needs an app context.
    """
    contact = crm.create_contact(
        {"first_name": first_name, "last_name": "Testsson", "email": email,
         "company_id": company_id},
        actor_id=None,
    )  # fmt: skip
    ensure_order(order_id, contact)
    subscription = record_order_opt_in(
        contact.id, order_id=order_id, order_date=ORDER_DATE, objected=objected, language=language
    )
    db.session.commit()
    return contact.id, subscription.id


def ensure_order(order_id: int, contact: Contact) -> None:
    """An order numbered ``order_id`` for the contact to have placed, unless one exists."""
    if db.session.get(Order, order_id) is not None:
        return
    company_id = contact.company_id or crm.add_company({"name": "Testbolag AB"}, actor_id=None).id
    db.session.add(Order(
        id=order_id, number=f"T{order_id:08d}", submission_key=f"test-{order_id}",
        status=OrderStatus.RECEIVED, language="sv", company_id=company_id, contact_id=contact.id,
        terms_accepted_at=utcnow(), buyer_company_name="Testbolag AB",
        buyer_organisation_number="556036-0793", buyer_first_name=contact.first_name,
        buyer_last_name=contact.last_name, buyer_street="Testgatan 1", buyer_postal_code="111 22",
        buyer_city="Stockholm", buyer_phone="+46701234567", buyer_email=contact.email or "",
    ))  # fmt: skip
    db.session.flush()


def add_subscribers(count: int, *, domain: str = "example.se") -> list[str]:
    """``count`` subscribers kund0001@domain, ...; returns their addresses. Needs an app context."""
    addresses = [f"kund{number:04d}@{domain}" for number in range(1, count + 1)]
    for number, address in enumerate(addresses, start=1):
        add_subscriber(address, order_id=number)
    return addresses


def add_subscribers_in_bulk(count: int, *, domain: str = "example.se") -> list[str]:
    """Like :func:`add_subscribers`, in two statements, for tests that need hundreds."""
    now = utcnow()
    addresses = [f"kund{number:04d}@{domain}" for number in range(1, count + 1)]
    db.session.execute(
        insert(Contact),
        [
            {"first_name": "Kund", "last_name": address, "email": address, "created_at": now,
             "updated_at": now}
            for address in addresses
        ],
    )  # fmt: skip
    contacts = db.session.execute(
        select(Contact.id, Contact.email).where(Contact.email.in_(addresses))
    ).all()
    db.session.execute(
        insert(NewsletterSubscription),
        [
            {"contact_id": contact_id, "status": "subscribed", "source": "order",
             "language": "sv", "order_id": None, "order_date": ORDER_DATE,
             "objection_box_shown": True, "changed_at": now, "created_at": now}
            for contact_id, _ in contacts
        ],
    )  # fmt: skip
    db.session.commit()
    return addresses


def write_newsletter(**fields) -> int:
    """A draft with Swedish text (and English when given); returns its id."""
    values = {
        "subject_sv": "Nyheter från Joans",
        "body_sv": "Hej!\n\nVi har **nya webbhotell**. [Läs mer](https://joans.se/tjanster)",
        "subject_en": None,
        "body_en": None,
        **fields,
    }
    return campaigns.create_newsletter(values, actor_id=None).id


def queue(newsletter_id: int) -> int | None:
    """Queue a campaign for every current subscriber, as the Send button does."""
    return campaigns.queue_newsletter(newsletter_id, actor_id=None)


class WorkerClock:
    """The worker's clock in a test: it sleeps by moving on, never by waiting.

    ``on_sleep`` runs at each pause, where another request can come in between two messages.
    """

    def __init__(self, on_sleep=None) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.on_sleep = on_sleep

    def monotonic(self) -> float:
        return self.now

    perf_counter = monotonic

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep()


def send_outbox(app, *, clock=None, **options):
    """Run the outbox worker once (``drain=True`` waits for retries); returns its report."""
    with app.app_context():
        worker = OutboxWorker(clock=clock) if clock else OutboxWorker()
        return worker.run(**options)


def outbox_statuses() -> Counter:
    """How many outbox rows have each status. Needs an app context."""
    return Counter(db.session.scalars(select(OutboxMessage.status)))


def subscription_status(subscription_id: int) -> str:
    """The subscription's status, read fresh from the database. Needs an app context."""
    db.session.expire_all()
    return db.session.get(NewsletterSubscription, subscription_id).status


def delivery_records() -> list[tuple[str, str]]:
    """(address, outbox status) of every outbox row. Needs an app context."""
    return db.session.execute(
        select(Contact.email, OutboxMessage.status)
        .join(NewsletterSubscription, NewsletterSubscription.id == OutboxMessage.subscription_id)
        .join(Contact, Contact.id == NewsletterSubscription.contact_id)
    ).all()


def unsubscribe_path(subscription_id: int | None, language: str = "sv") -> str:
    """The path of a subscription's unsubscribe link. Needs an app context."""
    prefix = "/nyhetsbrev/avregistrera/" if language == "sv" else "/en/newsletter/unsubscribe/"
    return prefix + unsubscribe_token(subscription_id)
