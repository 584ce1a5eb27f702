"""The call-back form in a real Chromium: with and without JavaScript, on a phone, accessible."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from joans.extensions import db
from joans.models import CallbackRequest
from tests.browser.test_public_pages import PHONE, axe_violations

MIN_FILL_SECONDS = 1
LABELS = {
    "sv": {
        "url": "/kontakt",
        "name": "Ditt namn",
        "phone": "Telefonnummer",
        "service": "Vad vill du prata om? (frivilligt)",
        "hosting": "Webbhotell",
        "button": "Ring upp mig",
        "thanks": "Tack, vi ringer dig",
        "thanks_url": "**/kontakt/tack",
        "bad_phone": "Det här är inte ett giltigt telefonnummer. Kontrollera siffrorna.",
        "no_name": "Skriv ditt namn, så att vi vet vem vi ska fråga efter.",
    },
    "en": {
        "url": "/en/contact",
        "name": "Your name",
        "phone": "Phone number",
        "service": "What would you like to talk about? (optional)",
        "hosting": "Hosting",
        "button": "Call me back",
        "thanks": "Thank you, we will call you",
        "thanks_url": "**/en/contact/thank-you",
        "bad_phone": "This is not a valid phone number. Check the digits.",
        "no_name": "Enter your name, so we know whom to ask for.",
    },
}


@pytest.fixture
def app_config():
    """A short minimum fill time, so the tests need not wait long to look like people."""
    return {"CALLBACK_MIN_FILL_SECONDS": MIN_FILL_SECONDS}


def stored(app) -> list[CallbackRequest]:
    with app.app_context():
        return db.session.scalars(select(CallbackRequest)).all()


def fill_in(page, lang: str, *, name: str = "Anna Andersson", phone: str = "070-123 45 67"):
    """Fill in the form as a person would, taking at least the minimum time."""
    labels = LABELS[lang]
    page.get_by_label(labels["name"]).fill(name)
    page.get_by_label(labels["phone"]).fill(phone)
    page.get_by_label(labels["service"]).select_option(label=labels["hosting"])
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 200)


@pytest.mark.parametrize(("javascript", "lang"), [(False, "sv"), (True, "en")])
def test_visitor_can_ask_for_a_call_with_or_without_javascript(app, open_tab, javascript, lang):
    """Fill in, press the button, land on the thank-you page; the request is stored."""
    tab = open_tab(javascript=javascript)
    page = tab.page
    labels = LABELS[lang]
    page.goto(labels["url"])
    fill_in(page, lang)
    page.get_by_role("button", name=labels["button"]).click()
    page.wait_for_url(labels["thanks_url"])
    expect(page.get_by_role("heading", level=1)).to_have_text(labels["thanks"])
    (callback,) = stored(app)
    assert (callback.phone, callback.service, callback.language) == (
        "+46701234567",
        "hosting",
        lang,
    )
    assert tab.console_errors == []
    assert tab.context.cookies() == []


def test_with_javascript_a_double_click_sends_the_request_once(app, open_tab):
    """The button is disabled while the form is on its way, so an impatient click adds nothing."""
    page = open_tab().page
    page.goto("/en/contact")
    fill_in(page, "en")
    page.get_by_role("button", name="Call me back").dblclick()
    page.wait_for_url("**/en/contact/thank-you")
    assert len(stored(app)) == 1


@pytest.mark.parametrize("javascript", [False, True])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_errors_are_announced_and_tied_to_their_fields(app, open_tab, javascript, lang):
    """Focus lands on the summary; each field is invalid and described by its own message."""
    page = open_tab(javascript=javascript).page
    labels = LABELS[lang]
    page.goto(labels["url"])
    fill_in(page, lang, name="", phone="070-12")
    page.get_by_role("button", name=labels["button"]).click()
    page.wait_for_load_state()

    expect(page.locator("#error-summary")).to_be_focused()
    name_field = page.get_by_label(labels["name"])
    phone_field = page.get_by_label(labels["phone"])
    expect(name_field).to_have_attribute("aria-invalid", "true")
    expect(phone_field).to_have_attribute("aria-invalid", "true")
    expect(name_field).to_have_accessible_description(re.compile(re.escape(labels["no_name"])))
    expect(phone_field).to_have_accessible_description(re.compile(re.escape(labels["bad_phone"])))
    expect(phone_field).to_have_value("070-12")  # what was typed is still there
    expect(page.get_by_label(labels["service"])).to_have_value("hosting")

    page.get_by_role("link", name=labels["bad_phone"]).click()
    expect(phone_field).to_be_focused()
    assert stored(app) == []


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_axe_finds_no_violations_with_every_error_shown(open_tab, lang):
    """Field errors and the message for a too-fast form, all at once: still no violations."""
    page = open_tab().page
    labels = LABELS[lang]
    page.goto(labels["url"])
    page.get_by_label(labels["phone"]).fill("123")
    page.get_by_label(labels["service"]).select_option(label=labels["hosting"])
    page.get_by_role("button", name=labels["button"]).click()  # at once: too fast as well
    page.wait_for_load_state()
    expect(page.locator(".error-summary li")).to_have_count(3)
    assert axe_violations(page) == []


@pytest.mark.parametrize("url", ["/kontakt/tack", "/en/contact/thank-you"])
def test_thank_you_page_is_accessible_and_clean(tab, url):
    """No violations, no console errors, nothing fetched elsewhere."""
    assert tab.page.goto(url).status == 200
    assert axe_violations(tab.page) == []
    assert tab.console_errors == []
    assert tab.outside_requests == []


def test_honeypot_is_out_of_reach_for_people(open_tab):
    """Keyboard users never land in it and screen readers do not announce it."""
    page = open_tab(javascript=False).page
    page.goto("/kontakt")
    page.get_by_label("Ditt namn").focus()
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert "website" not in reached
    assert reached[:2] == ["phone", "service"]
    expect(page.get_by_role("textbox", name="Lämna det här fältet tomt")).to_have_count(0)
    box = page.locator("#website").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0


def test_a_visitor_on_a_phone_can_ask_for_a_call(app, open_tab):
    """At 360 px wide nothing scrolls sideways, the number field brings up the phone keypad,
    the text does not make the phone zoom in, and the request gets through."""
    page = open_tab(**PHONE).page
    page.goto("/kontakt")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone_field = page.get_by_label("Telefonnummer")
    expect(phone_field).to_have_attribute("type", "tel")
    font_size = phone_field.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert font_size >= 16
    fill_in(page, "sv")
    page.get_by_role("button", name="Ring upp mig").tap()
    page.wait_for_url("**/kontakt/tack")
    assert len(stored(app)) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
