"""The order form in a real Chromium: both languages, with and without JavaScript, accessible."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from joans.extensions import db
from joans.models.orders import Order
from tests.browser.test_public_pages import PHONE, axe_violations
from tests.orders import BUYER, products

LABELS = {
    "sv": {
        "url": "/bestall",
        "continue": "Fortsätt",
        "place": "Beställ med betalningsskyldighet",
        "terms": "Jag har läst och godkänner köpvillkoren",
        "objection": "Jag vill inte ha nyhetsbrev",
        "domain": "Domännamn",
        "thanks": "Tack för din beställning",
        "thanks_url": "**/bestall/tack/*",
        "fields": {
            "company_name": "Företagsnamn",
            "organisation_number": "Organisationsnummer",
            "first_name": "Förnamn",
            "last_name": "Efternamn",
            "street": "Gatuadress",
            "postal_code": "Postnummer",
            "city": "Ort",
            "phone": "Telefonnummer",
            "email": "E-postadress",
        },
        "no_terms": "Godkänn köpvillkoren för att kunna beställa.",
        "no_company": "Skriv företagets namn.",
    },
    "en": {
        "url": "/en/order",
        "continue": "Continue",
        "place": "Place order with obligation to pay",
        "terms": "I have read and accept the terms of purchase",
        "objection": "I do not want newsletters",
        "domain": "Domain name",
        "thanks": "Thank you for your order",
        "thanks_url": "**/en/order/thank-you/*",
        "fields": {
            "company_name": "Company name",
            "organisation_number": "Organisation number",
            "first_name": "First name",
            "last_name": "Last name",
            "street": "Street address",
            "postal_code": "Postal code",
            "city": "City",
            "phone": "Phone number",
            "email": "E-mail address",
        },
        "no_terms": "Accept the terms of purchase to place the order.",
        "no_company": "Enter the company's name.",
    },
}


@pytest.fixture
def ids(app) -> dict[str, int]:
    """The demo catalogue."""
    return products(app)


def stored(app) -> list[Order]:
    with app.app_context():
        return db.session.scalars(select(Order)).all()


def fill_buyer(page, lang: str) -> None:
    for name, label in LABELS[lang]["fields"].items():
        page.get_by_label(label, exact=True).fill(BUYER[name])


def axe_clean(page, javascript: bool) -> bool:
    """axe-core finds nothing. axe is a script, so it runs in the tabs that allow scripts; the
    server sends the same markup to both."""
    return not javascript or axe_violations(page) == []


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("javascript", [False, True])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_buyer_orders_from_start_to_confirmation(app, open_tab, ids, lang, javascript):
    """Every step, in each language, with and without scripts; axe finds nothing on any step;
    no cookie, no console error, nothing fetched elsewhere."""
    tab = open_tab(javascript=javascript)
    page, labels = tab.page, LABELS[lang]
    page.goto(labels["url"])
    assert axe_clean(page, javascript)
    page.locator(f"#quantity_{ids['hosting-small']}").fill("2")
    page.get_by_role("textbox", name=labels["domain"], exact=True).fill("Räksmörgås.se")
    press(page, labels["continue"])

    expect(page.get_by_label(labels["fields"]["email"], exact=True)).to_be_visible()
    assert axe_clean(page, javascript)
    fill_buyer(page, lang)
    objection = page.get_by_label(labels["objection"])
    expect(objection).not_to_be_checked()
    objection.check()
    press(page, labels["continue"])

    expect(page.get_by_text("räksmörgås.se")).to_be_visible()
    assert axe_clean(page, javascript)
    page.get_by_label(labels["terms"]).check()
    press(page, labels["place"])

    page.wait_for_url(labels["thanks_url"])
    expect(page.get_by_role("heading", level=1)).to_have_text(labels["thanks"])
    assert axe_clean(page, javascript)
    (order,) = stored(app)
    assert (order.language, order.newsletter_objection) == (lang, True)
    assert order.number in page.content()
    assert tab.context.cookies() == []
    assert tab.console_errors == []
    assert tab.outside_requests == []


@pytest.mark.parametrize("javascript", [False, True])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_errors_on_every_step_are_announced_accessible_and_keep_what_was_typed(
    app, open_tab, ids, lang, javascript
):
    """Focus lands on the summary, fields are marked invalid and described by their message,
    typed values stay, and axe finds nothing with the errors showing."""
    page, labels = open_tab(javascript=javascript).page, LABELS[lang]
    page.goto(labels["url"])
    page.locator(f"#quantity_{ids['hosting-small']}").fill("abc")
    page.get_by_role("textbox", name=labels["domain"], exact=True).fill("-fel.se")
    press(page, labels["continue"])
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_role("textbox", name=labels["domain"], exact=True)).to_have_value("-fel.se")
    expect(page.locator(f"#quantity_{ids['hosting-small']}")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert axe_clean(page, javascript)

    page.locator(f"#quantity_{ids['hosting-small']}").fill("1")
    page.get_by_role("textbox", name=labels["domain"], exact=True).fill("")
    press(page, labels["continue"])
    fill_buyer(page, lang)
    company = page.get_by_label(labels["fields"]["company_name"], exact=True)
    company.fill("")
    page.get_by_label(labels["fields"]["postal_code"], exact=True).fill("123")
    press(page, labels["continue"])
    expect(page.locator("#error-summary")).to_be_focused()
    expect(company).to_have_attribute("aria-invalid", "true")
    expect(company).to_have_accessible_description(re.compile(re.escape(labels["no_company"])))
    expect(page.get_by_label(labels["fields"]["postal_code"], exact=True)).to_have_value("123")
    expect(page.get_by_label(labels["fields"]["email"], exact=True)).to_have_value(BUYER["email"])
    assert axe_clean(page, javascript)

    company.fill(BUYER["company_name"])
    page.get_by_label(labels["fields"]["postal_code"], exact=True).fill(BUYER["postal_code"])
    press(page, labels["continue"])
    press(page, labels["place"])  # without accepting the terms
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label(labels["terms"])).to_have_accessible_description(
        re.compile(re.escape(labels["no_terms"]))
    )
    assert axe_clean(page, javascript)
    assert stored(app) == []


def test_pressing_enter_in_a_field_continues(app, open_tab, ids):
    """Enter in the domain field goes to the next step, not to "Add another domain name"."""
    page = open_tab(javascript=False).page
    page.goto("/en/order")
    field = page.get_by_role("textbox", name="Domain name", exact=True)
    field.fill("enter.se")
    field.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_label("Company name", exact=True)).to_be_visible()


def test_with_javascript_a_double_click_places_one_order(app, open_tab, ids):
    """The second click is ignored while the first post is on its way."""
    page = open_tab().page
    page.goto("/en/order")
    page.locator(f"#quantity_{ids['hosting-small']}").fill("1")
    press(page, "Continue")
    fill_buyer(page, "en")
    press(page, "Continue")
    page.get_by_label(LABELS["en"]["terms"]).check()
    page.get_by_role("button", name=LABELS["en"]["place"]).dblclick()
    page.wait_for_url("**/en/order/thank-you/*")
    assert len(stored(app)) == 1


def test_every_step_fits_a_phone(app, open_tab, ids):
    """At 360 px nothing scrolls sideways, on the products, details and review steps."""
    page = open_tab(**PHONE).page
    page.goto("/bestall")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(f"#quantity_{ids['hosting-small']}").fill("1")
    page.get_by_role("textbox", name="Domännamn", exact=True).fill("mobil.se")
    # Wait for the next step itself: load state alone can be the old page's, before the tap's
    # navigation has started, and the page would then go away under the measurement.
    with page.expect_navigation():
        page.get_by_role("button", name="Fortsätt", exact=True).tap()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    fill_buyer(page, "sv")
    with page.expect_navigation():
        page.get_by_role("button", name="Fortsätt", exact=True).tap()
    expect(page.get_by_text("mobil.se")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
