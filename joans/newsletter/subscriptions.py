"""Who gets newsletters: soft opt-in at an order, objections, unsubscribes and the suppression list.

Marknadsföringslagen (2008:486) 19 § second paragraph lets us e-mail our own customers about
similar services if they could object, free of charge, when we collected the address and can
object in every mailing; GDPR art. 21(3) says an objection ends direct marketing for good. So:

- an order without the objection box ticked subscribes the contact (soft opt-in), one with it
  ticked records an objection;
- an objection, an unsubscribe or an erasure puts a keyed hash of the address on the suppression
  list, which the outbox worker checks as it marks each message "sending" (see
  :mod:`joans.newsletter.outbox`) and which a later order never quietly overrides.

The suppression hash and the unsubscribe links use ``NEWSLETTER_SECRET_KEY``, not SECRET_KEY:
both must stay valid for years, whatever happens to the app's other secret.
"""

from __future__ import annotations

import hashlib
import hmac
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer
from limits import parse as parse_limit
from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from joans.audit import record_event
from joans.extensions import db, limiter
from joans.mail import send_email
from joans.models.crm import Contact
from joans.models.newsletter import (
    NewsletterSubscription,
    StatusSource,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
)
from joans.models.types import utcnow
from joans.newsletter.content import TOKEN_PLACEHOLDER, unsubscribe_url_template
from joans.validation import mask_email

# The one list there is; a token names it, so another list could never accept this one's links.
LIST_KEY = "newsletter"
UNSUBSCRIBE_SALT = "joans.newsletter.unsubscribe"
UNDO_SALT = "joans.newsletter.undo"
SUPPRESSION_CONTEXT = b"joans.newsletter.suppression"
# How long after unsubscribing the confirmation page's "undo" button still works.
UNDO_SECONDS = 3600

# Statuses a later order must leave alone: the person said no (N11).
REFUSALS = {SubscriptionStatus.OBJECTED, SubscriptionStatus.UNSUBSCRIBED}


# --- The suppression list --------------------------------------------------------------------


def normalise_address(address: str) -> str:
    """The form in which an address is compared and hashed: trimmed and lower-cased."""
    return address.strip().lower()


def address_hash(address: str) -> str:
    """HMAC-SHA256 of the normalised address under a key derived from NEWSLETTER_SECRET_KEY.

    A keyed hash, so that someone holding a copy of the database cannot test guessed addresses
    against the list.
    """
    return address_hasher()(address)


def address_hasher() -> Callable[[str], str]:
    """:func:`address_hash` with this app's key, for use outside the app context (the worker)."""
    secret = current_app.config["NEWSLETTER_SECRET_KEY"].encode()
    key = hmac.new(secret, SUPPRESSION_CONTEXT, hashlib.sha256).digest()

    def hash_address(address: str) -> str:
        return hmac.new(key, normalise_address(address).encode(), hashlib.sha256).hexdigest()

    return hash_address


def is_suppressed(address: str) -> bool:
    """Whether ``address`` must never get a newsletter."""
    query = select(exists().where(Suppression.address_hash == address_hash(address)))
    return db.session.scalar(query)


def suppressed_hashes() -> set[str]:
    """Every hash on the list (for queueing a campaign, which checks thousands at once)."""
    return set(db.session.scalars(select(Suppression.address_hash)))


def _suppress(address: str | None, reason: SuppressionReason) -> None:
    if not address:
        return
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Suppression).values(
        address_hash=address_hash(address), reason=reason, created_at=utcnow()
    )
    # Two unsubscribes of one address at the same moment both succeed: the second adds nothing.
    # An objection or an erasure replaces an unsubscribe, which its "undo" may lift; they may not.
    if reason == SuppressionReason.UNSUBSCRIBED:
        statement = statement.on_conflict_do_nothing(index_elements=["address_hash"])
    else:
        statement = statement.on_conflict_do_update(
            index_elements=["address_hash"],
            set_={"reason": reason},
            where=Suppression.reason == SuppressionReason.UNSUBSCRIBED,
        )
    db.session.execute(statement)


def suppress_erased_address(address: str) -> None:
    """Keep only the hash of an erased person's address, so nothing is ever sent to it again.

    For the erasure of a data subject (GDPR art. 17 with art. 21(3)); the caller commits.
    """
    _suppress(address, SuppressionReason.ERASED)
    record_event("newsletter.address_suppressed", reason=SuppressionReason.ERASED.value)


# --- Subscriptions ---------------------------------------------------------------------------


def subscription_for(contact_id: int) -> NewsletterSubscription | None:
    """The contact's subscription record, if any order or objection made one."""
    query = select(NewsletterSubscription).where(NewsletterSubscription.contact_id == contact_id)
    return db.session.scalar(query)


def _set_status(
    subscription: NewsletterSubscription, status: SubscriptionStatus, source: StatusSource
) -> None:
    subscription.status = status
    subscription.source = source
    subscription.changed_at = utcnow()


def record_order_opt_in(
    contact_id: int, *, order_id: int, order_date: date, objected: bool, language: str
) -> NewsletterSubscription:
    """Record what the order form's unticked "no newsletters" box said (N7, N11).

    Not ticked: the contact is subscribed (soft opt-in from this order), unless they objected or
    unsubscribed before, or the address is on the suppression list. Ticked: an objection, and
    the address goes on the suppression list. The caller's commit makes it part of the order.
    """
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    subscription = subscription_for(contact_id)
    if objected:
        status = SubscriptionStatus.OBJECTED
        _suppress(contact.email, SuppressionReason.OBJECTED)
    elif subscription is not None and subscription.status in REFUSALS:
        record_event(
            "newsletter.opt_in_ignored",
            subject_type="newsletter_subscription",
            subject_id=subscription.id,
            order_id=order_id,
            status=subscription.status,
        )
        return subscription  # an earlier "no" stands
    elif contact.email and is_suppressed(contact.email):
        status = SubscriptionStatus.SUPPRESSED
    else:
        status = SubscriptionStatus.SUBSCRIBED
    subscription = _subscription(contact_id, subscription, status, StatusSource.ORDER, language)
    subscription.order_id = order_id
    subscription.order_date = order_date
    subscription.objection_box_shown = True
    db.session.flush()
    record_event(
        "newsletter.order_basis_recorded",
        subject_type="newsletter_subscription",
        subject_id=subscription.id,
        contact_id=contact_id,
        order_id=order_id,
        status=status.value,
    )
    return subscription


def _subscription(
    contact_id: int,
    subscription: NewsletterSubscription | None,
    status: SubscriptionStatus,
    source: StatusSource,
    language: str | None,
) -> NewsletterSubscription:
    """The contact's subscription with its new status, created if it did not exist."""
    if subscription is None:
        subscription = NewsletterSubscription(contact_id=contact_id, language=language or "sv")
        db.session.add(subscription)
    elif language:
        subscription.language = language
    _set_status(subscription, status, source)
    return subscription


def record_objection(contact_id: int, *, actor_id: int) -> NewsletterSubscription:
    """Record an objection the contact sent us by e-mail: no newsletter from now on (N8)."""
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    _suppress(contact.email, SuppressionReason.OBJECTED)
    subscription = _subscription(
        contact_id,
        subscription_for(contact_id),
        SubscriptionStatus.OBJECTED,
        StatusSource.STAFF,
        None,
    )
    db.session.flush()
    record_event(
        "newsletter.objection_recorded",
        actor_id=actor_id,
        subject_type="contact",
        subject_id=contact_id,
        subscription_id=subscription.id,
    )
    db.session.commit()
    return subscription


@dataclass(frozen=True)
class UnsubscribeResult:
    """What an unsubscribe request did."""

    subscription: NewsletterSubscription
    changed: bool  # False when the contact was not on the list any more


def unsubscribe(subscription_id: int) -> UnsubscribeResult | None:
    """Take a subscription off the list and suppress its address; None if it no longer exists.

    Repeating it changes nothing more (RFC 8058 one-click requests may come more than once).
    """
    subscription = db.session.get(NewsletterSubscription, subscription_id)
    if subscription is None:
        return None
    _suppress(subscription.contact.email, SuppressionReason.UNSUBSCRIBED)
    changed = subscription.status not in REFUSALS
    if changed:
        _set_status(subscription, SubscriptionStatus.UNSUBSCRIBED, StatusSource.LINK)
        record_event(
            "newsletter.unsubscribed",
            subject_type="newsletter_subscription",
            subject_id=subscription.id,
        )
    db.session.commit()
    return UnsubscribeResult(subscription, changed)


def undo_unsubscribe(subscription_id: int, unsubscribed_at: datetime) -> bool:
    """Put back on the list someone who unsubscribed at ``unsubscribed_at`` and changed their mind.

    Only that very unsubscribe is undone: a later objection or a newer unsubscribe stands.
    """
    subscription = db.session.get(NewsletterSubscription, subscription_id)
    if (
        subscription is None
        or subscription.status != SubscriptionStatus.UNSUBSCRIBED
        or subscription.changed_at != unsubscribed_at
    ):
        return False
    email = subscription.contact.email
    if email:
        db.session.execute(
            delete(Suppression).where(
                Suppression.address_hash == address_hash(email),
                Suppression.reason == SuppressionReason.UNSUBSCRIBED,
            )
        )
        if is_suppressed(email):  # objected or erased by another route: that stands
            db.session.rollback()
            return False
    _set_status(subscription, SubscriptionStatus.SUBSCRIBED, StatusSource.UNDO)
    record_event(
        "newsletter.unsubscribe_undone",
        subject_type="newsletter_subscription",
        subject_id=subscription.id,
    )
    db.session.commit()
    return True


# --- Unsubscribe links -----------------------------------------------------------------------


@dataclass(frozen=True)
class UnsubscribeLink:
    """Whom an unsubscribe link is for: a subscription, or nobody (a staff member's test send)."""

    subscription_id: int | None

    @property
    def is_test(self) -> bool:
        """Links in test sends unsubscribe nobody."""
        return self.subscription_id is None


def _link_serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["NEWSLETTER_SECRET_KEY"])


@lru_cache(maxsize=4)
def _serializer_for(secret: str) -> URLSafeSerializer:
    # No timestamp and no expiry: a newsletter read a year late must still let its reader out.
    # Kept, because the worker signs a token for every message.
    return URLSafeSerializer(secret, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(subscription_id: int | None) -> str:
    """The signed token of an unsubscribe link: list and subscription id, no address (N2).

    ``None`` gives the token of a test send, which unsubscribes nobody.
    """
    payload = {"l": LIST_KEY, "s": subscription_id} if subscription_id else {"l": LIST_KEY, "t": 1}
    return _link_serializer().dumps(payload)


def read_unsubscribe_token(token: str) -> UnsubscribeLink | None:
    """Whom ``token`` is for, or None when it is not one of ours, or was altered."""
    try:
        payload = _link_serializer().loads(token)
    except BadData:
        return None
    if not isinstance(payload, dict) or payload.get("l") != LIST_KEY:
        return None
    if payload.get("t") == 1 and "s" not in payload:
        return UnsubscribeLink(None)
    subscription_id = payload.get("s")
    if isinstance(subscription_id, int) and not isinstance(subscription_id, bool):
        return UnsubscribeLink(subscription_id)
    return None


def _undo_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["NEWSLETTER_SECRET_KEY"], salt=UNDO_SALT)


def undo_token(subscription: NewsletterSubscription) -> str:
    """A token for the "undo" button, valid for ``UNDO_SECONDS`` and only for this unsubscribe."""
    return _undo_serializer().dumps([subscription.id, subscription.changed_at.isoformat()])


def read_undo_token(token: str) -> tuple[int, datetime] | None:
    """The subscription and unsubscribe time an undo token names, if it is valid and fresh."""
    try:
        subscription_id, changed_at = _undo_serializer().loads(token, max_age=UNDO_SECONDS)
        return int(subscription_id), datetime.fromisoformat(changed_at)
    except (BadData, TypeError, ValueError):
        return None


# --- "E-mail me an unsubscribe link" ---------------------------------------------------------


def subscription_for_address(address: str) -> int | None:
    """The id of a subscription on the list whose contact has ``address``, if there is one."""
    query = (
        select(NewsletterSubscription.id)
        .join(Contact, Contact.id == NewsletterSubscription.contact_id)
        .where(
            Contact.email == normalise_address(address),
            NewsletterSubscription.status == SubscriptionStatus.SUBSCRIBED,
        )
        .order_by(NewsletterSubscription.id)
        .limit(1)
    )
    return db.session.scalar(query)


def send_unsubscribe_link(address: str, language: str) -> bool:
    """E-mail ``address`` its unsubscribe link if it is on the list; True if a link was sent.

    Transactional mail from the ordinary sender, without List-Unsubscribe (N9). At most
    ``NEWSLETTER_LINK_PER_ADDRESS_LIMIT`` links go to one address, so the form cannot be used to
    flood someone's inbox. Never raises: the visitor has been answered already.
    """
    limit = parse_limit(current_app.config["NEWSLETTER_LINK_PER_ADDRESS_LIMIT"])
    if not limiter.limiter.hit(limit, "newsletter-link-address", address_hash(address)):
        return False
    subscription_id = subscription_for_address(address)
    if subscription_id is None:
        return False
    url = unsubscribe_url_template(language).replace(
        TOKEN_PLACEHOLDER, unsubscribe_token(subscription_id)
    )
    try:
        send_email(
            to=normalise_address(address),
            subject=_l("Your link to unsubscribe from our newsletter"),
            template="newsletter_unsubscribe_link",
            language=language,
            unsubscribe_url=url,
            language_code=language,
        )
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.error(
            "An unsubscribe link for subscription %d could not be sent (%s)",
            subscription_id,
            type(error).__name__,
        )
        return False
    record_event(
        "newsletter.unsubscribe_link_sent",
        subject_type="newsletter_subscription",
        subject_id=subscription_id,
    )
    db.session.commit()
    return True


# --- What staff and recipients see -----------------------------------------------------------


@dataclass(frozen=True)
class ContactNewsletterStatus:
    """A contact's newsletter status as the back office shows it."""

    subscription: NewsletterSubscription | None
    suppressed: bool  # the contact's address is on the suppression list

    @property
    def receives_newsletters(self) -> bool:
        """Whether the next campaign would go to this contact."""
        return (
            self.subscription is not None
            and self.subscription.receives_newsletters
            and not self.suppressed
        )


def contact_status(contact: Contact) -> ContactNewsletterStatus:
    """The contact's subscription and whether their address is suppressed."""
    return ContactNewsletterStatus(
        subscription_for(contact.id), bool(contact.email) and is_suppressed(contact.email)
    )


class LinkState(StrEnum):
    """What an unsubscribe link leads to."""

    SUBSCRIBED = "subscribed"  # on the list: the page offers to unsubscribe
    NOT_SUBSCRIBED = "not_subscribed"  # already off the list
    TEST = "test"  # a staff member's test send: nobody is unsubscribed
    GONE = "gone"  # the contact was deleted since: nothing is sent to them


@dataclass(frozen=True)
class LinkPage:
    """What the unsubscribe page shows: the state and the address, partly masked."""

    state: LinkState
    masked_address: str | None = None


def link_page(link: UnsubscribeLink) -> LinkPage:
    """Describe a link's subscription without changing anything (link scanners open it, N3)."""
    if link.is_test:
        return LinkPage(LinkState.TEST)
    subscription = db.session.get(NewsletterSubscription, link.subscription_id)
    if subscription is None:
        return LinkPage(LinkState.GONE)
    email = subscription.contact.email
    masked = mask_email(email) if email else None
    receives = subscription.receives_newsletters and not (email and is_suppressed(email))
    return LinkPage(LinkState.SUBSCRIBED if receives else LinkState.NOT_SUBSCRIBED, masked)
