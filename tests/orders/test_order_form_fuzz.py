"""Whatever is posted to the order form, the answer is never a server error or half an order."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from joans.extensions import db
from joans.models.crm import Company, Contact
from joans.models.domains import Domain
from joans.models.orders import Order
from joans.validation import normalise_phone
from tests.orders import BUYER, choose, products, state_in, to_review

ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
ACTIONS = st.one_of(
    st.sampled_from(
        ["next", "back", "place", "add-domain", "edit-products", "edit-buyer", "", "prices"]
    ),
    ANY_TEXT,
)
DOMAINS = st.one_of(
    ANY_TEXT,
    st.from_regex(r"\A[a-zåäö0-9-]{0,70}\.(se|nu|com|org)\Z"),
    st.sampled_from(["ab.se", "Räksmörgås.se", "8112189876.se", "-x.se", "www.a.se"]),
)
QUANTITIES = st.one_of(ANY_TEXT, st.integers(-5, 150).map(str), st.sampled_from(["", "1", "2"]))


@pytest.fixture
def app_config():
    """No limit, so every generated example reaches the form."""
    return {"ORDERS_RATE_LIMIT": "100000 per hour"}


@pytest.fixture
def states(app, client) -> dict[str, str]:
    """A valid signed state for each step, made once for all examples."""
    ids = products(app)
    quantities = {ids["hosting-small"]: 1}
    buyer_step = choose(client, quantities=quantities, domains=["fuzz.se"])
    return {
        "products": state_in(client.get("/bestall")),
        "buyer": state_in(buyer_step),
        "review": state_in(to_review(client, quantities=quantities)),
        "ids": ids,
    }


def _fields(ids: dict[str, int]):
    buyer = {name: st.one_of(st.just(value), ANY_TEXT) for name, value in BUYER.items()}
    product_fields = {f"quantity_{pid}": QUANTITIES for pid in ids.values()}
    return st.fixed_dictionaries(
        {"action": ACTIONS},
        optional={
            **buyer,
            **product_fields,
            "domains-0": DOMAINS,
            "domains-1": DOMAINS,
            "domains-25": DOMAINS,
            "newsletter_objection": st.sampled_from(["y", "", "on", "no"]),
            "accept_terms": st.sampled_from(["y", "", "false"]),
            "lang_code": ANY_TEXT,
        },
    )


def _counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Order, Company, Contact, Domain)
    )


def _is_whole(order: Order) -> bool:
    """An order the form could have produced: lines, links, a valid buyer, a number."""
    return (
        bool(order.lines)
        and order.company_id is not None
        and order.contact_id is not None
        and len(order.number) == 9
        and order.terms_accepted_at is not None
        and normalise_phone(order.buyer_phone) == order.buyer_phone
        and all(getattr(order, f"buyer_{name}") for name in BUYER if name != "vat_number")
        and all(line.quantity > 0 for line in order.lines)
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), url=st.sampled_from(["/bestall", "/en/order"]))
def test_generated_posts_never_give_a_server_error_or_half_an_order(app, client, states, data, url):
    """Any step, any state (valid or not), any fields: 200, 303, 409 or 422, and the database
    holds only whole orders, each with its company, contact and domains."""
    fields = data.draw(_fields(states["ids"]))
    signed = st.sampled_from([states["products"], states["buyer"], states["review"]])
    fields["state"] = data.draw(st.one_of(signed, ANY_TEXT))
    if data.draw(st.booleans()):
        # Half the examples finish a fresh order (a new one-time key), so many reach the
        # database while every other field is still generated.
        lang = "en" if url.startswith("/en") else "sv"
        review = to_review(client, lang, quantities={states["ids"]["website-start"]: 1})
        fields.update(state=state_in(review), action="place")
        fields["accept_terms"] = data.draw(st.sampled_from(["y", "y", "y", ""]))
    with app.app_context():
        before = _counts()
    response = client.post(url, data=fields)
    event(f"status {response.status_code}")
    assert response.status_code in (200, 303, 409, 422), response.status_code
    with app.app_context():
        after = _counts()
        orders = db.session.scalars(select(Order)).all()
        assert all(_is_whole(order) for order in orders)
        domains_ok = all(
            domain.order_id is not None and domain.holder_company_id is not None
            for domain in db.session.scalars(select(Domain))
        )
        assert domains_ok
    if response.status_code != 303:
        assert after == before
    else:
        assert after[0] - before[0] in (0, 1)  # the same review posted again places nothing
