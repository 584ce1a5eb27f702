"""Orders: prices and totals for the order form, placing an order, and its life with staff.

:func:`place_order` is the one place an order is committed: the CRM company and contact, the
order with its lines and the requested domains are written together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from joans.areas import external_url
from joans.audit import record_event, record_view
from joans.crm import services as crm
from joans.domains.registrar import Availability, get_registrar
from joans.domains.services import hand_off_order_domains
from joans.extensions import db
from joans.mail import send_email, staff_addresses
from joans.models.catalogue import PERIOD_LABELS, Product, ProductKind, vat_amount
from joans.models.crm import Company, Contact
from joans.models.domains import ACTIVE_STATUSES, Domain, DomainStatus
from joans.models.invoices import VatSums
from joans.models.orders import Order, OrderLine, OrderStatus
from joans.models.types import local_today, utcnow
from joans.newsletter.subscriptions import record_order_opt_in

MAX_QUANTITY = 99


class OrderError(Exception):
    """The order cannot be placed as it stands; ``args[0]`` is a message for the buyer."""


class PricesChanged(OrderError):
    """A price or product changed between the review and the order: show the review again."""


@dataclass(frozen=True)
class Buyer:
    """Who orders: the company (or sole trader) and the person, as validated by the form."""

    company_name: str
    organisation_number: str
    vat_number: str | None
    first_name: str
    last_name: str
    street: str
    postal_code: str
    city: str
    phone: str
    email: str


@dataclass(frozen=True)
class Selection:
    """What the buyer chose: ``(product id, quantity)`` pairs and domain names."""

    quantities: tuple[tuple[int, int], ...]
    domains: tuple[str, ...]


@dataclass(frozen=True)
class QuoteLine:
    """One line of a quote, priced from the catalogue."""

    product: Product
    description: str
    quantity: int
    domain_name: str | None = None

    @property
    def billing_period(self) -> str:
        """How often the product is invoiced."""
        return self.product.billing_period

    @property
    def unit_price_ore(self) -> int:
        """The price of one, excluding VAT."""
        return self.product.price_ore

    @property
    def vat_percent(self) -> int:
        """The line's VAT rate."""
        return self.product.vat_percent

    @property
    def net_ore(self) -> int:
        """The line's total excluding VAT."""
        return self.quantity * self.product.price_ore

    @property
    def gross_ore(self) -> int:
        """The line's total including VAT (rounded per line, for display only)."""
        return self.net_ore + vat_amount(self.net_ore, self.vat_percent)


@dataclass(frozen=True)
class Quote(VatSums):
    """Lines priced from the catalogue, with their totals: net, VAT per rate, the sum to pay."""

    lines: tuple[QuoteLine, ...]

    @property
    def fingerprint(self) -> str:
        """A digest of every product, quantity and price: equal fingerprints, equal order."""
        seen = [
            (line.product.id, line.quantity, line.domain_name, line.unit_price_ore,
             line.vat_percent, line.product.billing_period)
            for line in self.lines
        ]  # fmt: skip
        return hashlib.sha256(json.dumps(seen).encode()).hexdigest()[:32]


# --- The catalogue as the order form sees it --------------------------------------------------


def orderable_products() -> list[Product]:
    """Active products other than domain registrations, in the order form's order."""
    query = (
        select(Product)
        .where(Product.active.is_(True), Product.kind != ProductKind.DOMAIN)
        .order_by(Product.position, Product.id)
    )
    return list(db.session.scalars(query))


def domain_products() -> dict[str, Product]:
    """Active domain registrations by top-level domain: ``{"se": Product, ...}``."""
    query = (
        select(Product)
        .where(Product.active.is_(True), Product.kind == ProductKind.DOMAIN)
        .order_by(Product.position, Product.id)
    )
    return {product.tld: product for product in db.session.scalars(query)}


def domain_problem(name: str) -> str | None:
    """Why ``name`` (normalised) cannot be ordered, or None: already ours, or known taken."""
    ours = select(Domain.id).where(Domain.name == name, Domain.status.in_(ACTIVE_STATUSES))
    if db.session.scalar(ours.limit(1)) is not None:
        return _l("This domain name is already registered with us.")
    if get_registrar().check_availability(name) is Availability.TAKEN:
        return _l("This domain name is already taken.")
    return None


def quote(selection: Selection, language: str) -> Quote:
    """Price a selection from the catalogue as it is now; raises OrderError if it cannot be."""
    products = {
        product.id: product
        for product in db.session.scalars(
            select(Product).where(Product.id.in_([pid for pid, _ in selection.quantities]))
        )
    }
    lines = []
    for product_id, quantity in selection.quantities:
        product = products.get(product_id)
        if product is None or not product.active or product.kind == ProductKind.DOMAIN:
            raise PricesChanged(_l("A product you chose is no longer offered."))
        if not 0 < quantity <= MAX_QUANTITY:
            raise OrderError(_l("Choose between 1 and 99 of each product."))
        lines.append(QuoteLine(product, product.name(language), quantity))
    tlds = domain_products()
    for name in selection.domains:
        product = tlds.get(name.rpartition(".")[2])
        if product is None:
            raise PricesChanged(_l("We no longer register one of the domain endings you chose."))
        lines.append(QuoteLine(product, product.name(language), 1, domain_name=name))
    return Quote(tuple(lines))


# --- Placing an order -------------------------------------------------------------------------


def place_order(
    *,
    submission_key: str,
    selection: Selection,
    buyer: Buyer,
    language: str,
    newsletter_objection: bool,
    terms_accepted_at: datetime,
    fingerprint: str,
) -> Order:
    """Write the order, its lines, its domains and the buyer's CRM records in one commit.

    An order from a company already in the register (same organisation number) attaches to it,
    and to its contact with the same e-mail address; the register's data is not overwritten by
    what an anonymous form says, the order keeps what was typed. The company becomes a customer
    at its first order. Sending the same form twice returns the first order. After the commit
    the buyer gets a confirmation and staff a notice; a mail failure loses nothing.
    """
    existing = _order_with_key(submission_key)
    if existing is not None:
        return existing
    current = quote(selection, language)
    if current.fingerprint != fingerprint:
        raise PricesChanged(_l("Prices or products changed while you were ordering."))
    for name in selection.domains:
        problem = domain_problem(name)
        if problem:
            raise OrderError(problem)
    company = _company_for(buyer)
    contact = _contact_for(company, buyer)
    crm.mark_customer(company, local_today(utcnow()), actor_id=None)
    order = Order(
        number=_new_order_number(),
        submission_key=submission_key,
        status=OrderStatus.RECEIVED,
        language=language,
        company=company,
        contact=contact,
        newsletter_objection=newsletter_objection,
        terms_accepted_at=terms_accepted_at,
        **_buyer_columns(buyer),
    )
    for position, line in enumerate(current.lines, start=1):
        order.lines.append(_order_line(position, line))
    db.session.add(order)
    db.session.flush()
    registrar = get_registrar().name
    for line in current.lines:
        if line.domain_name:
            db.session.add(
                Domain(name=line.domain_name, tld=line.product.tld, status=DomainStatus.REQUESTED,
                       holder_company=company, holder_contact=contact, order=order,
                       registrar=registrar)
            )  # fmt: skip
    record_event(
        "order.placed", subject_type="order", subject_id=order.id, lines=len(current.lines)
    )
    # Marknadsföringslagen 19 §: the address collected with the order may get newsletters
    # unless the buyer ticked the box; recorded in the same commit as the order.
    record_order_opt_in(
        contact.id,
        order_id=order.id,
        order_date=local_today(order.created_at),
        objected=newsletter_objection,
        language=language,
    )
    try:
        db.session.commit()
    except IntegrityError:
        # The same form sent twice at once: the other request's order stands.
        db.session.rollback()
        existing = _order_with_key(submission_key)
        if existing is None:
            raise
        return existing
    send_order_confirmation(order)
    notify_staff(order)
    return order


def _order_with_key(submission_key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.submission_key == submission_key))


def _company_for(buyer: Buyer) -> Company:
    existing = crm.duplicate_companies(buyer.organisation_number)
    if existing:
        return existing[0]
    return crm.add_company(
        {
            "name": buyer.company_name,
            "organisation_number": buyer.organisation_number,
            "vat_number": buyer.vat_number,
            "billing_street": buyer.street,
            "billing_postal_code": buyer.postal_code,
            "billing_city": buyer.city,
        },
        actor_id=None,
    )


def _contact_for(company: Company, buyer: Buyer) -> Contact:
    query = select(Contact).where(Contact.company_id == company.id, Contact.email == buyer.email)
    existing = db.session.scalar(query.order_by(Contact.id).limit(1))
    if existing is not None:
        return existing
    return crm.add_contact(
        {
            "first_name": buyer.first_name,
            "last_name": buyer.last_name,
            "phone": buyer.phone,
            "email": buyer.email,
            "company_id": company.id,
        },
        actor_id=None,
    )


def _buyer_columns(buyer: Buyer) -> dict:
    return {
        "buyer_company_name": buyer.company_name,
        "buyer_organisation_number": buyer.organisation_number,
        "buyer_vat_number": buyer.vat_number,
        "buyer_first_name": buyer.first_name,
        "buyer_last_name": buyer.last_name,
        "buyer_street": buyer.street,
        "buyer_postal_code": buyer.postal_code,
        "buyer_city": buyer.city,
        "buyer_phone": buyer.phone,
        "buyer_email": buyer.email,
    }


def _order_line(position: int, line: QuoteLine) -> OrderLine:
    return OrderLine(
        position=position,
        product_id=line.product.id,
        description=line.description,
        kind=line.product.kind,
        domain_name=line.domain_name,
        quantity=line.quantity,
        unit_price_ore=line.unit_price_ore,
        vat_percent=line.vat_percent,
        billing_period=line.product.billing_period,
    )


def _new_order_number() -> str:
    # Random, so a number says nothing about how many orders we get and cannot be guessed.
    while True:
        digits = f"{secrets.randbelow(10**8):08d}"
        number = f"{digits[:4]}-{digits[4:]}"
        if db.session.scalar(select(Order.id).where(Order.number == number)) is None:
            return number


def new_submission_key() -> str:
    """A one-time key for an order form, so sending it twice places one order."""
    return secrets.token_hex(16)


# --- E-mail -----------------------------------------------------------------------------------


def send_order_confirmation(order: Order) -> bool:
    """E-mail the buyer the order in their language from the orders address; False on failure.

    Transactional mail: no List-Unsubscribe header (that belongs on newsletters only).
    """
    try:
        send_email(
            to=order.buyer_email,
            subject=_l("Your order %(number)s", number=order.number),
            template="order_confirmation",
            language=order.language,
            sender=current_app.config["ORDERS_SENDER"],
            order=order,
            quote=order_totals(order),
            period_labels=PERIOD_LABELS,
            terms_url=external_url("orders.terms", lang_code=order.language),
        )
    except (smtplib.SMTPException, OSError) as error:
        # The order id and the error's type only: SMTP errors quote addresses.
        current_app.logger.error(
            "Order %d is stored, but its confirmation failed (%s)", order.id, type(error).__name__
        )
        return False
    return True


def notify_staff(order: Order) -> None:
    """Tell staff an order is waiting, with a link and nothing about who ordered."""
    language = current_app.config["ORDERS_NOTIFY_LANGUAGE"]
    link = external_url("staff.order_detail", order_id=order.id)
    for address in staff_addresses("ORDERS_NOTIFY_EMAILS"):
        try:
            send_email(
                to=address,
                subject=_l("New order %(number)s", number=order.number),
                template="order_received",
                language=language,
                sender=current_app.config["ORDERS_SENDER"],
                order_url=link,
                number=order.number,
            )
        except (smtplib.SMTPException, OSError) as error:
            current_app.logger.error(
                "Order %d is stored, but a staff notification failed (%s)",
                order.id,
                type(error).__name__,
            )


def order_totals(order: Order) -> VatSums:
    """A placed order's lines and totals, from its own prices (never today's catalogue)."""
    return VatSums(tuple(order.lines))


# --- Staff ------------------------------------------------------------------------------------

# What staff may do to an order by hand; "invoiced" comes only from issuing an invoice, and a
# credit note takes an invoiced order back to "confirmed".
STAFF_TRANSITIONS = {
    OrderStatus.RECEIVED: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.CANCELLED},
    OrderStatus.INVOICED: {OrderStatus.DONE},
    OrderStatus.CANCELLED: set(),
    OrderStatus.DONE: set(),
}


def change_order_status(order_id: int, status: str, *, actor_id: int) -> Order | None:
    """Cancel or finish an order if staff may; None if the order is gone or may not move.

    Cancelling also cancels its domains that were never handed to the registrar. Confirming is
    :func:`confirm_order`'s, which hands the domains off in the same call.
    """
    if status == OrderStatus.CONFIRMED:
        raise ValueError("an order is confirmed with confirm_order, which hands off its domains")
    return _move(order_id, status, actor_id=actor_id)


def _move(order_id: int, status: str, *, actor_id: int) -> Order | None:
    order = db.session.get(Order, order_id, populate_existing=True)
    if order is None or status not in STAFF_TRANSITIONS[OrderStatus(order.status)]:
        return None
    before = order.status
    order.status = status
    if status == OrderStatus.CANCELLED:
        today = local_today(utcnow())
        for domain in order_domains(order):
            if domain.status == DomainStatus.REQUESTED and domain.handed_off_at is None:
                domain.status = DomainStatus.CANCELLED
                domain.ended_on = today
    record_event(
        "order.status_changed",
        actor_id=actor_id,
        subject_type="order",
        subject_id=order.id,
        before=before,
        after=status,
    )
    db.session.commit()
    return order


@dataclass(frozen=True)
class Confirmation:
    """A confirmed order, and how many of its domain names reached the registrar."""

    order: Order
    domains_sent: int
    domains_not_sent: int


def confirm_order(order_id: int, *, actor_id: int) -> Confirmation | None:
    """Confirm a received order and hand its domain names to the registrar; None if it may not.

    The order stays confirmed when a hand-off fails: staff retry from the domain's page.
    """
    order = _move(order_id, OrderStatus.CONFIRMED, actor_id=actor_id)
    if order is None:
        return None
    sent, not_sent = hand_off_order_domains(order, actor_id=actor_id)
    return Confirmation(order, sent, not_sent)


def order_domains(order: Order) -> list[Domain]:
    """The domains an order asked for."""
    return list(db.session.scalars(select(Domain).where(Domain.order_id == order.id)))


def view_order(order_id: int, *, actor_id: int) -> Order | None:
    """Open an order; the audit log notes who looked at the buyer's details."""
    order = db.session.scalar(
        select(Order).options(selectinload(Order.lines)).where(Order.id == order_id)
    )
    return record_view(order, "order.viewed", "order", actor_id=actor_id)


def list_orders(*, status: str | None, page: int, per_page: int):
    """Orders newest first, optionally of one status."""
    query = select(Order).order_by(Order.created_at.desc(), Order.id.desc())
    if status:
        query = query.where(Order.status == status)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def waiting_orders() -> tuple[int, datetime | None]:
    """How many orders wait for staff to confirm them, and when the oldest came in."""
    count, oldest = db.session.execute(
        select(func.count(Order.id), func.min(Order.created_at)).where(
            Order.status == OrderStatus.RECEIVED
        )
    ).one()
    return count, oldest


def register_differences(order: Order) -> list[str]:
    """The buyer fields where the order says something other than the register."""
    company, contact = order.company, order.contact
    pairs = {
        "company_name": (order.buyer_company_name, company.name),
        "vat_number": (order.buyer_vat_number, company.vat_number),
        "street": (order.buyer_street, company.billing_street),
        "postal_code": (order.buyer_postal_code, company.billing_postal_code),
        "city": (order.buyer_city, company.billing_city),
    }
    if contact is not None:
        pairs["first_name"] = (order.buyer_first_name, contact.first_name)
        pairs["last_name"] = (order.buyer_last_name, contact.last_name)
        pairs["phone"] = (order.buyer_phone, contact.phone)
    return [name for name, (typed, stored) in pairs.items() if typed != stored]
