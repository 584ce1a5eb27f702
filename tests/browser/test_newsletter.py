"""The newsletter in a real Chromium: unsubscribing with and without JavaScript, the back office
pages for writing, testing and following a newsletter, and accessibility throughout."""

from __future__ import annotations

import time

import pytest

from tests.browser.test_public_pages import PHONE, axe_violations
from tests.browser.test_staff import log_in
from tests.newsletter import (
    add_subscriber,
    queue,
    send_outbox,
    subscription_status,
    unsubscribe_path,
    write_newsletter,
)


@pytest.fixture
def app_config(smtp_server):
    return {**smtp_server.app_config, "NEWSLETTER_SEND_RATE": 0}


@pytest.fixture
def staff_tab(open_tab):
    """A tab whose browser asks for Swedish, as the staff's browsers do."""
    return open_tab(locale="sv-SE")


@pytest.fixture
def subscriber(app):
    """A subscribed contact and the path of their unsubscribe link."""
    with app.app_context():
        contact_id, subscription_id = add_subscriber("anna.andersson@example.se")
        return contact_id, subscription_id, unsubscribe_path(subscription_id)


def unsubscribe_and_undo(page, app, subscription_id: int, path: str, check=lambda page: None):
    """Open the link, press the one button, see the confirmation, press undo."""
    page.goto(path)
    assert page.get_by_text("a•••@e•••.se").is_visible()
    check(page)
    page.get_by_role("button", name="Avregistrera").click()
    page.get_by_role("heading", name="Du är avregistrerad").wait_for()
    check(page)
    with app.app_context():
        assert subscription_status(subscription_id) == "unsubscribed"
    page.get_by_role("button", name="Ångra: fortsätt få nyhetsbrevet").click()
    page.get_by_role("heading", name="Du får vårt nyhetsbrev igen").wait_for()
    check(page)
    with app.app_context():
        assert subscription_status(subscription_id) == "subscribed"


def test_unsubscribe_and_undo_with_javascript_and_axe(tab, app, subscriber):
    """One button each way; every page on the way is axe-clean; no cookie, no other host."""
    _, subscription_id, path = subscriber

    def no_violations(page) -> None:
        assert axe_violations(page) == []

    unsubscribe_and_undo(tab.page, app, subscription_id, path, no_violations)
    assert tab.console_errors == []
    assert tab.outside_requests == []
    assert tab.context.cookies() == []


def test_unsubscribe_and_undo_without_javascript(open_tab, app, subscriber):
    """The same with scripts off: plain forms, nothing depends on JavaScript."""
    _, subscription_id, path = subscriber
    tab = open_tab(javascript=False)
    unsubscribe_and_undo(tab.page, app, subscription_id, path)
    assert tab.outside_requests == []
    assert tab.context.cookies() == []


def test_the_unsubscribe_page_works_on_a_phone(open_tab, subscriber):
    """The page fits a 360 px screen and the button can be tapped."""
    _, _, path = subscriber
    page = open_tab(**PHONE).page
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Avregistrera").tap()
    page.get_by_role("heading", name="Du är avregistrerad").wait_for()


def test_asking_for_a_link_by_address(tab, smtp_server, subscriber):
    """The form without a newsletter at hand: a mistake is explained, then the same answer."""
    page = tab.page
    page.goto("/nyhetsbrev/avregistrera")
    page.get_by_label("Din e-postadress").fill("anna@")
    page.get_by_role("button", name="Mejla mig länken").click()
    assert (
        page.locator("#email-error")
        .inner_text()
        .endswith("Skriv en e-postadress, till exempel namn@exempel.se.")
    )
    assert axe_violations(page) == []
    page.get_by_label("Din e-postadress").fill("anna.andersson@example.se")
    page.get_by_role("button", name="Mejla mig länken").click()
    page.get_by_role("heading", name="Titta i din inkorg").wait_for()
    assert axe_violations(page) == []
    # The link is mailed once the answer has gone, so the answer's timing tells nothing.
    deadline = time.monotonic() + 10
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert smtp_server.recipients() == ["anna.andersson@example.se"]


@pytest.mark.parametrize(
    "path", ["/nyhetsbrev/avregistrera/trasig", "/en/newsletter/unsubscribe/broken"]
)
def test_the_page_for_a_broken_link_is_accessible(tab, path):
    """A link cut short when copied gets a clear, accessible page."""
    response = tab.page.goto(path)
    assert response.status == 400
    assert axe_violations(tab.page) == []


def test_write_preview_test_and_send_a_newsletter(
    staff_tab, app, make_staff, smtp_server, subscriber
):
    """The staff path end to end, every page axe-clean, nothing fetched from another host."""
    contact_id, _, _ = subscriber
    account = make_staff()
    tab = staff_tab
    page = tab.page
    log_in(page, account)
    page.get_by_role("link", name="Nyhetsbrev").first.click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Skriv ett nyhetsbrev").click()
    page.get_by_role("button", name="Spara utkast").click()
    assert page.locator("#subject_sv-error").is_visible()
    violations = {"form with errors": axe_violations(page)}
    page.get_by_label("Ämne på svenska").fill("Höstens nyheter")
    page.get_by_label("Text på svenska").fill("Hej!\n\nVi har **nya webbhotell**.")
    page.get_by_role("button", name="Spara utkast").click()
    page.get_by_text("Utkastet är sparat.").wait_for()
    violations["draft"] = axe_violations(page)
    page.get_by_role("link", name="Förhandsvisning på Svenska").click()
    assert page.locator(".mail-preview strong").inner_text() == "nya webbhotell"
    violations["preview"] = axe_violations(page)
    page.go_back()
    page.get_by_role("button", name=f"Skicka ett test till {account.email}").click()
    page.get_by_text(f"Ett testmejl är på väg till {account.email}.").wait_for()
    assert smtp_server.recipients() == [account.email]
    page.get_by_label("Jag har läst förhandsvisningen").check()
    page.get_by_role("button", name="Skicka till alla prenumeranter").click()
    page.get_by_text("Nyhetsbrevet är köat till 1 mottagare").wait_for()
    send_outbox(app)
    page.reload()
    violations["progress"] = axe_violations(page)
    assert smtp_server.recipients()[-1] == "anna.andersson@example.se"
    page.goto(f"/staff/contacts/{contact_id}")
    page.get_by_role("button", name="Registrera en invändning som kom via mejl").click()
    page.get_by_text("Har invänt: får inga nyhetsbrev.").wait_for()
    violations["contact"] = axe_violations(page)
    assert {name: found for name, found in violations.items() if found} == {}
    assert tab.console_errors == []
    assert tab.outside_requests == []


def test_failed_and_unknown_messages_are_listed_accessibly(
    staff_tab, app, make_staff, smtp_server, subscriber
):
    """The progress page with problems: a table with the contact and the reply code."""
    with app.app_context():
        add_subscriber("bo@example.se", first_name="Bo", order_id=2)
        newsletter_id = write_newsletter()
        queue(newsletter_id)
    smtp_server.refuse["bo@example.se"] = "550 5.1.1 No such user"
    send_outbox(app)
    page = staff_tab.page
    log_in(page, make_staff())
    page.goto(f"/staff/newsletters/{newsletter_id}")
    row = page.get_by_role("row", name="Bo Testsson")
    assert "550 5.1.1" in row.inner_text()
    assert axe_violations(page) == []
