"""The order form through the test client: steps, validation, state, e-mails, no cookies."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from joans.extensions import db
from joans.models.catalogue import Product
from joans.models.crm import Company
from joans.models.newsletter import NewsletterSubscription
from joans.models.orders import Order
from joans.newsletter.subscriptions import is_suppressed
from tests.orders import (
    BUYER,
    ORDER_URLS,
    choose,
    field_error,
    input_value,
    place_through_form,
    products,
    state_in,
    text_of,
    to_review,
)

STAFF = ["sales@joans.se", "boss@joans.se"]
CONFIRMATION_URLS = {"sv": "/bestall/tack/", "en": "/en/order/thank-you/"}


@pytest.fixture
def app_config(smtp_server):
    """Mail to a real SMTP server; two staff addresses told of new orders."""
    return {**smtp_server.app_config, "ORDERS_NOTIFY_EMAILS": STAFF}


@pytest.fixture
def ids(app) -> dict[str, int]:
    """The demo catalogue's product ids by code."""
    return products(app)


def stored_orders(app) -> list[Order]:
    with app.app_context():
        return db.session.scalars(select(Order)).all()


def order_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Order))


# --- The steps --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_first_step_lists_products_with_prices_without_and_with_vat(client, ids, lang):
    """Companies see prices excluding VAT, consumers the price with VAT beside it: both labelled."""
    response = client.get(ORDER_URLS[lang])
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    text = text_of(response)
    if lang == "sv":
        assert "199,00\u00a0kr</strong> per månad exkl. moms" in text
        assert "(248,75\u00a0kr inkl. moms)" in text
        assert "Webbhotell Bas" in text
    else:
        assert "SEK\u00a0199.00</strong> per month excl. VAT" in text
        assert "(SEK\u00a0248.75 incl. VAT)" in text
        assert "Hosting Basic" in text


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_order_through_every_step_lands_on_its_confirmation(app, client, ids, lang):
    """Products, buyer, review, place: 303 to a confirmation page in the same language."""
    response = place_through_form(
        client, lang, quantities={ids["hosting-small"]: 1, ids["email-account"]: 3},
        domains=["Räksmörgås.se"],
    )  # fmt: skip
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(CONFIRMATION_URLS[lang])
    assert "anna" not in location.lower() and "556036" not in location
    (order,) = stored_orders(app)
    assert order.language == lang
    assert order.newsletter_objection is False
    assert (order.buyer_phone, order.buyer_postal_code) == ("+46701234567", "111 22")
    page = client.get(location)
    assert page.status_code == 200
    assert order.number in text_of(page)
    assert "Anna" not in text_of(page)  # the page shows the order, not the buyer
    with app.app_context():
        order = db.session.get(Order, order.id)
        assert [(line.quantity, line.domain_name) for line in order.lines] == [
            (1, None), (3, None), (1, "räksmörgås.se"),
        ]  # fmt: skip


def test_the_newsletter_box_is_unticked_and_ticking_it_is_stored(app, client, ids):
    """Marknadsföringslagen 19 §: offered where the address is typed, unticked by default."""
    response = choose(client, quantities={ids["hosting-small"]: 1})
    box = re.search(r'<input[^>]*id="newsletter_objection"[^>]*>', response.get_data(as_text=True))
    assert box and "checked" not in box[0]
    email_at = response.get_data(as_text=True).index('id="email"')
    assert 0 < box.start() - email_at < 2000  # right after the address field
    place_through_form(client, quantities={ids["hosting-small"]: 1}, objection=True)
    (order,) = stored_orders(app)
    assert order.newsletter_objection is True


@pytest.mark.parametrize(("objection", "status"), [(False, "subscribed"), (True, "objected")])
def test_the_order_records_the_buyers_newsletter_choice(app, client, ids, objection, status):
    """The box decides the subscription the order creates; a ticked box also suppresses the
    address, so no later list can mail it."""
    place_through_form(client, quantities={ids["hosting-small"]: 1}, objection=objection)
    (order,) = stored_orders(app)
    with app.app_context():
        subscription = db.session.scalars(select(NewsletterSubscription)).one()
        assert (subscription.status, subscription.order_id) == (status, order.id)
        assert is_suppressed(BUYER["email"]) is objection


def test_the_review_shows_totals_with_vat_per_rate_and_the_buyer(client, ids):
    """Net, VAT and the total, and what was typed, before anything is placed."""
    review = to_review(client, quantities={ids["hosting-small"]: 2}, domains=["ab.se"])
    text = text_of(review)
    for expected in (
        "Summa exklusive moms", "547,00\u00a0kr", "Moms 25 % på 547,00\u00a0kr", "136,75\u00a0kr",
        "683,75\u00a0kr", "Exempel AB", "556036-0793", "070-123 45 67", "anna@example.se",
        "Beställ med betalningsskyldighet",
    ):  # fmt: skip
        assert expected in text, expected


def test_going_back_keeps_what_was_typed(client, ids):
    """From the buyer step back to the products and forward again: the fields are filled in."""
    step = choose(client, quantities={ids["hosting-small"]: 1})
    typed = {**BUYER, "email": "not-an-address", "city": "Göteborg"}
    products_page = client.post(
        "/bestall", data={"state": state_in(step), "action": "back", **typed}
    )
    assert products_page.status_code == 200
    assert input_value(products_page, f"quantity_{ids['hosting-small']}") == "1"
    buyer_page = client.post(
        "/bestall",
        data={"state": state_in(products_page), "action": "next",
              f"quantity_{ids['hosting-small']}": "1", "domains-0": ""},
    )  # fmt: skip
    assert input_value(buyer_page, "email") == "not-an-address"
    assert input_value(buyer_page, "city") == "Göteborg"


def test_the_review_can_go_back_to_either_step(client, ids):
    """ "Change products" and "Change details" open those steps with what the order holds."""
    review = to_review(client, quantities={ids["hosting-small"]: 4})
    products_page = client.post(
        "/bestall", data={"state": state_in(review), "action": "edit-products"}
    )
    assert input_value(products_page, f"quantity_{ids['hosting-small']}") == "4"
    buyer_page = client.post("/bestall", data={"state": state_in(review), "action": "edit-buyer"})
    assert input_value(buyer_page, "company_name") == "Exempel AB"


def test_a_domain_field_can_be_added_without_javascript(client, ids):
    """ "Add another domain name" posts the step and shows one more field, keeping the first."""
    response = choose(client, domains=["ett.se"], action="add-domain")
    assert response.status_code == 200
    assert input_value(response, "domains-0") == "ett.se"
    assert input_value(response, "domains-1") in (None, "")


# --- Validation (CHECKLISTS.md "Swedish data validation") -------------------------------------


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("organisation_number", "556036-0794", "This organisation number is not valid"),
        ("organisation_number", "551036-0794", "This is not an organisation number"),
        ("organisation_number", "55603607", "An organisation number has 10 digits"),
        ("organisation_number", "811218-9875", "This organisation number is not valid"),
        ("vat_number", "SE556036079401", "A Swedish VAT number looks like SE556036079301"),
        ("vat_number", "SE5560360793", "A Swedish VAT number looks like"),
        ("vat_number", "SE202100541401", "This VAT number belongs to another organisation number"),
        ("postal_code", "1112", "A postal code has five digits"),
        ("postal_code", "01122", "A postal code has five digits"),
        ("phone", "070-123", "not a valid phone number"),
        ("phone", "abc", "Enter a phone number"),
        ("email", "anna@", "Enter an e-mail address like name@example.se"),
        ("email", "anna@example", "Enter an e-mail address like name@example.se"),
        ("email", "ånna@example.se", "Enter an e-mail address like name@example.se"),
        ("company_name", "", "Enter the company's name"),
        ("company_name", "Exempel\u200bAB", "Write this on one line"),
        ("first_name", "x" * 101, "At most 100 characters"),
        ("city", "Stock\u202eholm", "Write this on one line"),
    ],
)
def test_a_bad_buyer_field_is_refused_next_to_the_field_and_keeps_what_was_typed(
    app, client, ids, field, typed, message
):
    """422, the message beside the field, the typed value still there, no order."""
    step = choose(client, "en", quantities={ids["hosting-small"]: 1})
    data = {"state": state_in(step), "action": "next", **BUYER, field: typed}
    response = client.post("/en/order", data=data)
    assert response.status_code == 422
    assert message in (field_error(response, field) or ""), text_of(response)
    assert input_value(response, field) == typed
    assert input_value(response, "city" if field != "city" else "street")  # the rest is kept
    assert order_count(app) == 0


@pytest.mark.parametrize(
    ("field", "typed", "stored"),
    [
        ("organisation_number", "5560360793", "556036-0793"),
        ("organisation_number", "16556036-0793", "556036-0793"),
        ("organisation_number", "811218-9876", "19811218-9876"),  # a sole trader
        ("postal_code", "11122", "111 22"),
        ("phone", "+44 20 7946 0958", "+442079460958"),
        ("email", "Anna@Example.SE", "anna@example.se"),
        ("vat_number", "se 556036-0793 01", "SE556036079301"),
    ],
)
def test_buyer_fields_are_stored_in_their_canonical_form(app, client, ids, field, typed, stored):
    """What people type is accepted and stored one way."""
    buyer = {**BUYER, field: typed}
    if typed == "811218-9876":
        buyer["vat_number"] = "SE811218987601"  # a sole trader's VAT number holds the personnummer
    response = place_through_form(client, quantities={ids["hosting-small"]: 1}, buyer=buyer)
    assert response.status_code == 303
    (order,) = stored_orders(app)
    assert getattr(order, f"buyer_{field}") == stored


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("8112189876.se", "looks like a personal identity number"),
        ("-bad.se", "cannot start or end with a hyphen"),
        ("example.org", "We register domain names ending in .com, .nu, .se"),
        ("www.example.se", "without www"),
    ],
)
def test_a_bad_domain_is_refused_next_to_its_field(app, client, ids, domain, message):
    """The products step shows the rule that was broken and keeps the name."""
    response = choose(client, "en", quantities={ids["hosting-small"]: 1}, domains=[domain])
    assert response.status_code == 422
    assert message in (field_error(response, "domains-0") or "")
    assert input_value(response, "domains-0") == domain


def test_the_same_domain_twice_and_a_domain_we_already_hold_are_refused(app, client, ids):
    """A duplicate is flagged on the second field; a name registered with us is refused."""
    response = choose(client, "en", domains=["ab.se", "AB.se"])
    assert response.status_code == 422
    assert field_error(response, "domains-1") == "You have already chosen this domain name."
    assert field_error(response, "domains-0") is None
    assert place_through_form(client, domains=["ab.se"]).status_code == 303
    response = choose(client, "en", domains=["ab.se"])
    assert field_error(response, "domains-0") == "This domain name is already registered with us."


@pytest.mark.parametrize("typed", ["abc", "-1", "100", "1.5"])
def test_a_quantity_must_be_a_whole_number_up_to_99(client, ids, typed):
    """Refused beside the product, typed value kept."""
    field = f"quantity_{ids['hosting-small']}"
    response = choose(client, "en", quantities={ids["hosting-small"]: typed})
    assert response.status_code == 422
    assert field_error(response, field) == "Type a number from 0 to 99."
    assert input_value(response, field) == typed


def test_nothing_chosen_is_refused_with_a_message(client, ids):
    """At least one product or domain."""
    response = choose(client, "en", quantities={ids["hosting-small"]: 0})
    assert response.status_code == 422
    assert "Choose at least one product or type a domain name." in text_of(response)


def test_the_terms_must_be_accepted(app, client, ids):
    """Without the box ticked the review comes back with the message; nothing is placed."""
    review = to_review(client, "en", quantities={ids["hosting-small"]: 1})
    response = client.post("/en/order", data={"state": state_in(review), "action": "place"})
    assert response.status_code == 422
    assert (
        field_error(response, "accept_terms") == "Accept the terms of purchase to place the order."
    )
    assert order_count(app) == 0


def test_a_forged_or_expired_state_starts_again_with_a_message(app, client, ids):
    """A state the server did not sign, or signed too long ago, is refused without an error."""
    review = to_review(client, "en", quantities={ids["hosting-small"]: 1})
    forged = state_in(review)[:-3] + "AAA"
    response = client.post(
        "/en/order", data={"state": forged, "action": "place", "accept_terms": "y"}
    )
    assert response.status_code == 422
    assert "The order form had expired" in text_of(response)
    app.config["ORDERS_FORM_MAX_AGE"] = -1
    response = client.post(
        "/en/order", data={"state": state_in(review), "action": "place", "accept_terms": "y"}
    )
    assert response.status_code == 422
    assert order_count(app) == 0


def test_a_price_change_during_the_review_shows_the_new_price_before_ordering(app, client, ids):
    """409 with a notice and the new total; accepting again places the order at the new price."""
    review = to_review(client, "en", quantities={ids["hosting-small"]: 1})
    with app.app_context():
        db.session.get(Product, ids["hosting-small"]).price_ore = 24_900
        db.session.commit()
    data = {"state": state_in(review), "action": "place", "accept_terms": "y"}
    response = client.post("/en/order", data=data)
    assert response.status_code == 409
    assert "Prices or products changed" in text_of(response)
    assert "SEK\u00a0249.00" in text_of(response)
    response = client.post("/en/order", data={**data, "state": state_in(response)})
    assert response.status_code == 303
    (order,) = stored_orders(app)
    with app.app_context():
        assert db.session.get(Order, order.id).lines[0].unit_price_ore == 24_900


def test_placing_the_same_review_twice_gives_one_order(app, client, ids):
    """A double click, or the browser's resend: the second post finds the first order."""
    review = to_review(client, quantities={ids["hosting-small"]: 1})
    data = {"state": state_in(review), "action": "place", "accept_terms": "y"}
    first, second = client.post("/bestall", data=data), client.post("/bestall", data=data)
    assert first.status_code == second.status_code == 303
    assert order_count(app) == 1


def test_a_cross_site_post_is_refused(app, client, ids):
    """The browser says another site sent it: 403, nothing stored."""
    review = to_review(client, quantities={ids["hosting-small"]: 1})
    response = client.post(
        "/bestall",
        data={"state": state_in(review), "action": "place", "accept_terms": "y"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert order_count(app) == 0


def test_no_step_sets_a_cookie(client, ids):
    """The public site keeps its promise: cookies only for statistics, after consent."""
    responses = [client.get("/bestall"), choose(client, quantities={ids["hosting-small"]: 1})]
    responses.append(place_through_form(client, quantities={ids["hosting-small"]: 1}))
    assert all("Set-Cookie" not in response.headers for response in responses)


@pytest.mark.parametrize("token", ["nonsense", "MQ.forged.signature"])
def test_a_confirmation_link_that_we_did_not_sign_is_not_found(client, token):
    """No order is shown for a guessed link."""
    assert client.get(f"/bestall/tack/{token}").status_code == 404


# --- E-mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "subject", "greeting"),
    [("sv", "Din beställning", "Hej Anna!"), ("en", "Your order", "Hello Anna,")],
)
def test_the_confirmation_comes_in_the_buyers_language_from_the_orders_address(
    app, client, ids, smtp_server, lang, subject, greeting
):
    """Received by a real SMTP server: the buyer's language, From the orders address (not the
    newsletter's), and no List-Unsubscribe header: it is not a newsletter (N9)."""
    place_through_form(client, lang, quantities={ids["hosting-small"]: 1})
    (order,) = stored_orders(app)
    (message,) = [m for m in smtp_server.messages if m["To"] == "anna@example.se"]
    assert message["Subject"] == f"{subject} {order.number}"
    assert message["From"] == app.config["ORDERS_SENDER"]
    assert message["From"] != app.config["MAIL_DEFAULT_SENDER"]
    assert "List-Unsubscribe" not in message
    assert "List-Unsubscribe-Post" not in message
    body = message.get_body(("plain",)).get_content()
    assert greeting in body
    assert order.number in body


def test_staff_are_told_of_an_order_without_personal_data(app, client, ids, smtp_server):
    """Each staff address gets the order number and a link; no name, address, number or e-mail."""
    place_through_form(client, quantities={ids["hosting-small"]: 1}, domains=["anna.se"])
    (order,) = stored_orders(app)
    notices = [m for m in smtp_server.messages if m["To"] in STAFF]
    assert sorted(m["To"] for m in notices) == sorted(STAFF)
    for message in notices:
        assert message["Subject"] == f"Ny beställning {order.number}"
        text = message.as_string()
        assert f"/staff/orders/{order.id}" in text
        for personal in ("Anna", "Andersson", "Exempel", "556036", "0701234567", "example.se",
                         "Storgatan", "anna.se"):  # fmt: skip
            assert personal not in text, personal


def test_a_mail_failure_loses_no_order(app, client, ids, smtp_server):
    """The buyer's address is refused by the server: the order is stored all the same."""
    smtp_server.refuse["anna@example.se"] = "550 No such user"
    response = place_through_form(client, quantities={ids["hosting-small"]: 1})
    assert response.status_code == 303
    assert order_count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Company)) == 1


# --- Terms ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "texts"),
    [
        ("/villkor", ["Köpvillkor", "30 dagar efter fakturadatum", "Ilait AB", "räntelagen"]),
        ("/en/terms", ["Terms of purchase", "30 days after the invoice date", "Ilait AB"]),
    ],
)
def test_the_terms_of_purchase_say_how_payment_and_domains_work(client, url, texts):
    """Payment terms from the configuration, the registrar named."""
    text = text_of(client.get(url))
    for expected in texts:
        assert expected in text
