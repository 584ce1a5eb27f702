"""Helpers for the order, invoice and domain tests: demo products, a buyer, the form's steps."""

from __future__ import annotations

import html as html_lib
import re

from sqlalchemy import select

from joans.extensions import db
from joans.models.catalogue import Product
from joans.models.orders import Order, OrderStatus
from joans.models.types import utcnow
from joans.orders import services as order_service
from joans.orders.catalogue import load_demo_products
from joans.orders.services import Buyer, Selection

ORDER_URLS = {"sv": "/bestall", "en": "/en/order"}
BUYER = {
    "company_name": "Exempel AB",
    "organisation_number": "556036-0793",
    "vat_number": "SE556036079301",
    "first_name": "Anna",
    "last_name": "Andersson",
    "street": "Storgatan 1",
    "postal_code": "111 22",
    "city": "Stockholm",
    "phone": "070-123 45 67",
    "email": "anna@example.se",
}
# The same buyer as the order form stores it.
STORED_BUYER = {**BUYER, "phone": "+46701234567"}
_STATE = re.compile(r'name="state" value="([^"]+)"')


def products(app) -> dict[str, int]:
    """Load the demo catalogue; returns product ids by code."""
    with app.app_context():
        load_demo_products()
        return {product.code: product.id for product in db.session.scalars(select(Product))}


def state_in(response) -> str:
    """The signed state of the step a response shows."""
    match = _STATE.search(response.get_data(as_text=True))
    assert match, "the page has no order state"
    return match.group(1)


def text_of(response) -> str:
    """The response body with entities decoded."""
    return html_lib.unescape(response.get_data(as_text=True))


def field_error(response, field: str) -> str | None:
    """The message shown next to ``field``, or None."""
    match = re.search(
        rf'<p class="field-error" id="{re.escape(field)}-error"><span class="visually-hidden">'
        r"[^<]*</span>([^<]*)</p>",
        response.get_data(as_text=True),
    )
    return html_lib.unescape(match.group(1)) if match else None


def input_value(response, field: str) -> str | None:
    """What an input shows, or None if it has no value attribute."""
    tag = re.search(rf'<input[^>]* id="{re.escape(field)}"[^>]*>', response.get_data(as_text=True))
    assert tag, f"no input {field}"
    value = re.search(r'value="([^"]*)"', tag[0])
    return html_lib.unescape(value.group(1)) if value else None


def choose(client, lang="sv", *, quantities=None, domains=(), action="next"):
    """Open the form and post the first step; returns the response."""
    url = ORDER_URLS[lang]
    data = {"state": state_in(client.get(url)), "action": action}
    for product_id, quantity in (quantities or {}).items():
        data[f"quantity_{product_id}"] = str(quantity)
    for index, name in enumerate(domains or [""]):
        data[f"domains-{index}"] = name
    return client.post(url, data=data)


def to_review(client, lang="sv", *, quantities=None, domains=(), buyer=None, objection=False):
    """Walk the first two steps; returns the review page."""
    response = choose(client, lang, quantities=quantities, domains=domains)
    assert response.status_code == 200, text_of(response)
    data = {"state": state_in(response), "action": "next", **(buyer or BUYER)}
    if objection:
        data["newsletter_objection"] = "y"
    response = client.post(ORDER_URLS[lang], data=data)
    assert response.status_code == 200, text_of(response)
    return response


def place_through_form(client, lang="sv", **options):
    """Walk every step and accept the terms; returns the final response (303 on success)."""
    review = to_review(client, lang, **options)
    data = {"state": state_in(review), "action": "place", "accept_terms": "y"}
    return client.post(ORDER_URLS[lang], data=data)


def make_order(app, *, codes=("hosting-small",), domains=(), buyer=None, language="sv",
               objection=False, status=None) -> int:  # fmt: skip
    """Place an order through the service (no e-mail server needed); returns its id."""
    ids = products(app)
    with app.test_request_context():
        selection = Selection(
            quantities=tuple((ids[code], 1) for code in codes), domains=tuple(domains)
        )
        quote = order_service.quote(selection, language)
        order = order_service.place_order(
            submission_key=order_service.new_submission_key(),
            selection=selection,
            buyer=Buyer(**{**STORED_BUYER, **(buyer or {})}),
            language=language,
            newsletter_objection=objection,
            terms_accepted_at=utcnow(),
            fingerprint=quote.fingerprint,
        )
        if status is not None:
            order.status = status
            db.session.commit()
        return order.id


def confirmed_order(app, **options) -> int:
    """An order staff have confirmed, ready to invoice."""
    return make_order(app, status=OrderStatus.CONFIRMED, **options)


def order(app, order_id: int) -> Order:
    """An order, read fresh (call inside an app context)."""
    return db.session.get(Order, order_id, populate_existing=True)
