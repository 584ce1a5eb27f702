"""Placing orders: the CRM records they attach to, one commit, and what happens to them later."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from joans.billing import invoices as invoice_service
from joans.crm import search as crm_search
from joans.crm import services as crm
from joans.extensions import db
from joans.models.catalogue import Product, vat_amount, vat_inclusive
from joans.models.crm import Company, Contact
from joans.models.invoices import Invoice
from joans.models.orders import Order, OrderLine, OrderStatus
from joans.models.types import utcnow
from joans.orders import services as order_service
from joans.orders.services import Buyer, PricesChanged, Selection
from joans.privacy.retention import purge
from tests.orders import STORED_BUYER, confirmed_order, make_order, products


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("net", "rate", "vat"),
    [(19_900, 25, 4_975), (4_900, 12, 588), (4_900, 6, 294), (1, 25, 0), (2, 25, 1), (-2, 25, -1)],
)
def test_vat_is_rounded_half_away_from_zero_to_whole_ore(net, rate, vat):
    """0,5 öre rounds up (and a credit's −0,5 öre down), as the invoice's totals need."""
    assert vat_amount(net, rate) == vat
    assert vat_inclusive(net, rate) == net + vat


def test_a_first_order_creates_the_company_and_contact_and_makes_a_customer(app):
    """Company and contact from the form, searchable at once; customer since today."""
    order_id = make_order(app)
    with app.app_context():
        order = db.session.get(Order, order_id)
        company, contact = order.company, order.contact
        assert (company.name, company.organisation_number, company.billing_city) == (
            "Exempel AB", "556036-0793", "Stockholm",
        )  # fmt: skip
        assert (contact.email, contact.phone, contact.company_id) == (
            "anna@example.se", "+46701234567", company.id,
        )  # fmt: skip
        assert company.customer_since == order.created_at.date()
        results = crm_search.search("556036-0793")
        assert [found.id for found in results.companies] == [company.id]
        assert [found.id for found in crm_search.search("anna@example.se").contacts] == [contact.id]
        assert order.status == OrderStatus.RECEIVED
        assert order.number[4] == "-" and len(order.number) == 9


def test_an_order_from_a_known_company_attaches_to_it_without_changing_the_register(app):
    """Same organisation number: same company; same e-mail: same contact; nothing overwritten."""
    first = make_order(app)
    second = make_order(app, buyer={"company_name": "Exempel Aktiebolag", "city": "Malmö"})
    third = make_order(app, buyer={"email": "bo@example.se", "first_name": "Bo"})
    with app.app_context():
        orders = [db.session.get(Order, order_id) for order_id in (first, second, third)]
        assert count(Company) == 1
        assert count(Contact) == 2
        assert {order.company_id for order in orders} == {orders[0].company_id}
        assert orders[1].contact_id == orders[0].contact_id
        assert orders[2].contact.first_name == "Bo"
        company = orders[0].company
        assert (company.name, company.billing_city) == ("Exempel AB", "Stockholm")
        assert (orders[1].buyer_company_name, orders[1].buyer_city) == (
            "Exempel Aktiebolag",
            "Malmö",
        )
        assert order_service.register_differences(orders[1]) == ["company_name", "city"]


def test_a_former_customer_who_orders_again_is_a_customer_again(app):
    """The end date goes, so the retention clock it started stops."""
    make_order(app)
    with app.app_context():
        company = db.session.scalar(select(Company))
        crm.end_customership(company, date(2026, 1, 31), actor_id=None)
        since = company.customer_since
    make_order(app)
    with app.app_context():
        company = db.session.scalar(select(Company))
        assert company.customer_until is None
        assert company.customer_since == since


def test_sending_the_same_form_twice_places_one_order(app):
    """The submission key makes a repeated post return the first order."""
    ids = products(app)
    selection = Selection(quantities=((ids["hosting-small"], 2),), domains=())
    with app.test_request_context():
        fingerprint = order_service.quote(selection, "sv").fingerprint
        placed = [
            order_service.place_order(
                submission_key="k" * 32,
                selection=selection,
                buyer=Buyer(**STORED_BUYER),
                language="sv",
                newsletter_objection=True,
                terms_accepted_at=utcnow(),
                fingerprint=fingerprint,
            )
            for _ in range(2)
        ]
        assert placed[0].id == placed[1].id
        assert count(Order) == 1
        assert count(OrderLine) == 1
        assert placed[0].newsletter_objection is True
        assert placed[0].lines[0].quantity == 2


def test_a_price_changed_since_the_review_stops_the_order_and_writes_nothing(app):
    """The buyer must see the price they pay: a changed price sends them back to the review."""
    ids = products(app)
    selection = Selection(quantities=((ids["hosting-small"], 1),), domains=("ny.se",))
    with app.test_request_context():
        fingerprint = order_service.quote(selection, "sv").fingerprint
        db.session.get(Product, ids["hosting-small"]).price_ore = 24_900
        db.session.commit()
        with pytest.raises(PricesChanged):
            order_service.place_order(
                submission_key="x" * 32, selection=selection, buyer=Buyer(**STORED_BUYER),
                language="sv", newsletter_objection=False, terms_accepted_at=utcnow(),
                fingerprint=fingerprint,
            )  # fmt: skip
        assert (count(Order), count(Company), count(Contact)) == (0, 0, 0)


def test_orders_keep_the_price_they_were_placed_at(app):
    """Changing the catalogue later changes no order."""
    order_id = make_order(app)
    ids = products(app)
    with app.app_context():
        db.session.get(Product, ids["hosting-small"]).price_ore = 29_900
        db.session.commit()
        assert db.session.get(Order, order_id).lines[0].unit_price_ore == 19_900


def test_a_quote_its_order_and_its_invoice_add_up_the_same(app):
    """One way of summing (VAT per rate, rounded once) for the form, the order and the invoice."""
    ids = products(app)
    with app.app_context():
        db.session.get(Product, ids["email-account"]).vat_percent = 6
        db.session.commit()
    codes = ("hosting-small", "email-account")
    order_id = confirmed_order(app, codes=codes, domains=("summa.se",))
    selection = Selection(quantities=tuple((ids[code], 1) for code in codes), domains=("summa.se",))
    with app.test_request_context():
        quote = order_service.quote(selection, "sv")
        totals = order_service.order_totals(db.session.get(Order, order_id))
        invoice = invoice_service.issue_invoice(order_id, actor_id=None, today=date(2026, 3, 2))
        sums = [
            (each.net_ore, each.vat_ore, each.total_ore, list(each.vat_by_rate))
            for each in (quote, totals)
        ]
        sums.append((invoice.net_ore, invoice.vat_ore, invoice.total_ore, invoice.vat_by_rate()))
    assert sums[0] == sums[1] == sums[2]
    assert [rate for rate, _, _ in sums[0][3]] == [25, 6]


def test_cancelling_an_order_cancels_its_domains_not_yet_sent(app):
    """Nothing was handed to the registrar, so nothing waits there."""
    order_id = make_order(app, domains=("avbryt.se",))
    with app.app_context():
        order = order_service.change_order_status(order_id, OrderStatus.CANCELLED, actor_id=None)
        (domain,) = order_service.order_domains(order)
        assert domain.status == "cancelled" and domain.ended_on is not None
        assert order_service.confirm_order(order_id, actor_id=None) is None
        with pytest.raises(ValueError, match="confirm_order"):
            order_service.change_order_status(order_id, OrderStatus.CONFIRMED, actor_id=None)


def test_a_former_customers_orders_go_with_it_and_its_invoices_stay(app):
    """The "customer" rule deletes company, contacts and orders; the invoice keeps its buyer."""
    order_id = confirmed_order(app)
    with app.app_context():
        invoice = invoice_service.issue_invoice(order_id, actor_id=None, today=date(2026, 1, 5))
        company = db.session.scalar(select(Company))
        crm.end_customership(company, date(2026, 1, 31), actor_id=None)
        purge(datetime(2026, 5, 1, tzinfo=UTC))  # more than 90 days later
        assert (count(Company), count(Contact), count(Order), count(OrderLine)) == (0, 0, 0, 0)
        kept = db.session.get(Invoice, invoice.id, populate_existing=True)
        assert (kept.company_id, kept.order_id) == (None, None)
        assert (kept.buyer_name, kept.order_number) == ("Exempel AB", invoice.order_number)
