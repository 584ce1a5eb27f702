"""Soft opt-in at an order, objections and the suppression list (CHECKLISTS N7, N8, N11)."""

from __future__ import annotations

import base64
import hashlib
from datetime import date, timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from joans.extensions import db
from joans.models import AuditEvent, Company, Contact
from joans.models.newsletter import NewsletterSubscription, Suppression
from joans.newsletter import campaigns, subscriptions
from joans.newsletter.subscriptions import (
    address_hash,
    is_suppressed,
    read_undo_token,
    read_unsubscribe_token,
    record_objection,
    record_order_opt_in,
    suppress_erased_address,
    undo_token,
    unsubscribe,
    unsubscribe_token,
)
from joans.validation import mask_email
from tests.newsletter import ORDER_DATE, add_subscriber

ADDRESS = "anna@example.se"


@pytest.fixture
def context(app):
    """An app context for calling the services directly."""
    with app.app_context():
        yield


def recipients() -> set[int]:
    return {recipient.subscription_id for recipient in campaigns.current_recipients()}


def test_an_order_without_objection_subscribes_with_the_order_as_basis(context):
    """Soft opt-in: order N on date D, objection box shown, in the order's language."""
    contact_id, subscription_id = add_subscriber(ADDRESS, order_id=42, language="en")
    subscription = db.session.get(NewsletterSubscription, subscription_id)
    assert subscription.contact_id == contact_id
    assert (subscription.status, subscription.source) == ("subscribed", "order")
    assert (subscription.order_id, subscription.order_date) == (42, ORDER_DATE)
    assert subscription.objection_box_shown is True
    assert subscription.language == "en"
    assert recipients() == {subscription_id}
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "newsletter.order_basis_recorded")
    ).one()
    assert event.details == {"contact_id": contact_id, "order_id": 42, "status": "subscribed"}


def test_a_ticked_objection_box_means_never_mailed(context):
    """N7: ticking "I do not want newsletters" is an objection, and the address is suppressed."""
    _, subscription_id = add_subscriber(ADDRESS, objected=True)
    subscription = db.session.get(NewsletterSubscription, subscription_id)
    assert (subscription.status, subscription.objection_box_shown) == ("objected", True)
    assert is_suppressed(ADDRESS)
    assert recipients() == set()


def test_a_later_order_never_quietly_resubscribes(context):
    """N11: after an objection or an unsubscribe, a new order without objection changes nothing."""
    objector, objected = add_subscriber("objector@example.se", objected=True, order_id=1)
    leaver, left = add_subscriber("leaver@example.se", order_id=2)
    unsubscribe(left)
    for contact_id in (objector, leaver):
        record_order_opt_in(
            contact_id, order_id=3, order_date=date(2027, 1, 5), objected=False, language="sv"
        )
    db.session.commit()
    assert db.session.get(NewsletterSubscription, objected).status == "objected"
    assert db.session.get(NewsletterSubscription, left).status == "unsubscribed"
    assert db.session.get(NewsletterSubscription, objected).order_id == 1  # basis unchanged
    assert recipients() == set()
    ignored = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "newsletter.opt_in_ignored")
    ).all()
    assert len(ignored) == 2


def test_a_new_contact_with_a_suppressed_address_is_not_subscribed(context):
    """N11: the hash keeps the address off the list even for a contact created later."""
    _, first = add_subscriber(ADDRESS, order_id=1)
    unsubscribe(first)
    _, second = add_subscriber(" Anna@Example.SE ".strip(), order_id=2)
    assert db.session.get(NewsletterSubscription, second).status == "suppressed"
    assert recipients() == set()


def test_an_erased_address_is_kept_only_as_a_hash_and_never_mailed_again(context):
    """N11: erasure leaves a keyed hash, so a later order does not resubscribe the address."""
    contact_id, _ = add_subscriber(ADDRESS)
    suppress_erased_address(ADDRESS)
    db.session.execute(db.delete(Contact).where(Contact.id == contact_id))
    db.session.commit()
    (stored,) = db.session.scalars(select(Suppression)).all()
    assert stored.reason == "erased"
    assert stored.address_hash == address_hash(ADDRESS)
    assert "anna" not in stored.address_hash
    _, again = add_subscriber(ADDRESS, order_id=7)
    assert db.session.get(NewsletterSubscription, again).status == "suppressed"


def test_the_suppression_hash_is_keyed_with_its_own_secret(app, context):
    """Nobody holding the database can test addresses without NEWSLETTER_SECRET_KEY, and
    rotating SECRET_KEY does not release anybody from the list."""
    add_subscriber(ADDRESS, objected=True)
    assert address_hash(ADDRESS) != hashlib.sha256(ADDRESS.encode()).hexdigest()
    app.config["SECRET_KEY"] = "rotated after a leak"
    assert is_suppressed(ADDRESS)
    app.config["NEWSLETTER_SECRET_KEY"] = "another key"
    assert not is_suppressed(ADDRESS)


def test_an_objection_recorded_by_staff_takes_effect_at_once_and_is_audited(context, make_staff):
    """N8: a reply saying "stop" ends the newsletter for that contact; the log names who did it."""
    actor = make_staff()
    contact_id, subscription_id = add_subscriber(ADDRESS)
    record_objection(contact_id, actor_id=actor.id)
    subscription = db.session.get(NewsletterSubscription, subscription_id)
    assert (subscription.status, subscription.source) == ("objected", "staff")
    assert is_suppressed(ADDRESS)
    assert recipients() == set()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "newsletter.objection_recorded")
    ).one()
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        actor.id,
        "contact",
        contact_id,
    )
    assert ADDRESS not in str(event.details)


def test_an_objection_for_a_contact_who_never_ordered_is_recorded_too(context):
    """Someone in the CRM without an order can still tell us never to send them newsletters."""
    contact = Contact(first_name="Bo", last_name="B", email="bo@example.se")
    db.session.add(contact)
    db.session.commit()
    subscription = record_objection(contact.id, actor_id=None)
    assert (subscription.status, subscription.order_id) == ("objected", None)
    assert is_suppressed("bo@example.se")


def test_an_unknown_contact_is_refused(context):
    """The order flow gets an error, not a half-made subscription."""
    with pytest.raises(LookupError):
        record_order_opt_in(999, order_id=1, order_date=ORDER_DATE, objected=False, language="sv")


def test_unsubscribe_tokens_name_list_and_subscription_and_refuse_tampering(app, context):
    """N2: a signed token, its own salt, no expiry; another key or an edited payload is refused."""
    token = unsubscribe_token(17)
    assert read_unsubscribe_token(token).subscription_id == 17
    assert read_unsubscribe_token(unsubscribe_token(None)).is_test
    _, signature = token.split(".")
    other_id = base64.urlsafe_b64encode(b'{"l":"newsletter","s":18}').rstrip(b"=").decode()
    assert read_unsubscribe_token(f"{other_id}.{signature}") is None
    other_salt = URLSafeSerializer(app.config["NEWSLETTER_SECRET_KEY"], salt="joans.other")
    assert read_unsubscribe_token(other_salt.dumps({"l": "newsletter", "s": 17})) is None
    app.config["NEWSLETTER_SECRET_KEY"] = "someone else's key"
    assert read_unsubscribe_token(token) is None


def test_undo_undoes_only_that_unsubscribe_and_only_for_an_hour(context):
    """The undo token names the unsubscribe it belongs to, and expires."""
    _, subscription_id = add_subscriber(ADDRESS)
    result = unsubscribe(subscription_id)
    token = undo_token(result.subscription)
    assert read_undo_token(token + "x") is None
    undo = read_undo_token(token)
    assert subscriptions.undo_unsubscribe(*undo)
    assert not is_suppressed(ADDRESS)
    # The same undo again, after a new unsubscribe, does not apply to the new one.
    unsubscribe(subscription_id)
    assert not subscriptions.undo_unsubscribe(*undo)
    assert db.session.get(NewsletterSubscription, subscription_id).status == "unsubscribed"


def test_undo_never_lifts_an_objection(context):
    """An address that objected through another route stays suppressed after an undo."""
    _, subscription_id = add_subscriber(ADDRESS)
    result = unsubscribe(subscription_id)
    undo = read_undo_token(undo_token(result.subscription))
    other = Contact(first_name="Anna", last_name="Igen", email=ADDRESS)
    db.session.add(other)
    db.session.commit()
    record_objection(other.id, actor_id=None)  # the suppression row already exists: kept
    assert not subscriptions.undo_unsubscribe(*undo)
    assert is_suppressed(ADDRESS)


def test_recipients_get_each_address_once_and_only_current_customers(context):
    """Two contacts sharing an address get one message; a former customer's contacts none."""
    today = date.today()
    former = Company(name="Förr AB", customer_until=today - timedelta(days=1))
    current = Company(name="Nu AB", customer_until=today)
    db.session.add_all([former, current])
    db.session.commit()
    _, first = add_subscriber("shared@example.se", order_id=1)
    add_subscriber("shared@example.se", order_id=2)
    add_subscriber("former@example.se", order_id=3, company_id=former.id)
    _, still = add_subscriber("current@example.se", order_id=4, company_id=current.id)
    add_subscriber(None, order_id=5)
    assert recipients() == {first, still}
    assert campaigns.recipient_counts() == {"sv": 2, "en": 0}


def test_mask_email_keeps_enough_to_recognise_the_address():
    """The unsubscribe page shows whose subscription it is without showing the address."""
    assert mask_email("anna.andersson@example.se") == "a•••@e•••.se"
    assert mask_email("bo@localhost") == "b•••@l•••"
