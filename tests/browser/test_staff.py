"""The back office in a real Chromium: login with TOTP, search, a note, accessibility, phones."""

from __future__ import annotations

import pytest

from joans.crm import services as crm
from tests.browser.test_public_pages import PHONE, axe_violations


@pytest.fixture
def tab(open_tab):
    """A tab whose browser asks for Swedish, as the staff's browsers do."""
    return open_tab(locale="sv-SE")


@pytest.fixture
def register(app, make_staff):
    """One company with one contact, entered through the CRM service (so search finds them)."""
    actor = make_staff(email="registrar@joans.se").id
    with app.app_context():
        company = crm.create_company(
            {
                "name": "Exempel Bygg AB",
                "organisation_number": "556036-0793",
                "billing_city": "Lund",
            },
            actor_id=actor,
        )
        crm.create_contact(
            {"first_name": "Åsa", "last_name": "Öberg", "phone": "+46701234567",
             "email": "asa@exempel.se", "company_id": company.id},
            actor_id=actor,
        )  # fmt: skip


def log_in(page, account):
    """Log in through the pages, typing the TOTP code when the account has one."""
    page.goto("/staff/")
    page.get_by_label("E-postadress").fill(account.email)
    page.get_by_label("Lösenord").fill(account.password)
    page.get_by_role("button", name="Logga in").click()
    if account.totp_secret:
        page.get_by_label("Kod").fill(account.totp_code())
        page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url("**/staff/")


def test_log_in_with_totp_find_a_company_and_add_a_note(tab, make_staff, register):
    """The everyday path, keyboard and mouse, with a clean console and nothing fetched elsewhere."""
    account = make_staff(role="admin")
    page = tab.page
    log_in(page, account)
    page.get_by_role("searchbox", name="Sök bland företag och kontakter").fill("556036-0793")
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/search")
    page.get_by_role("link", name="Exempel Bygg AB").click()
    page.get_by_label("Ny anteckning").fill("Ringde om hemsidan.\nVill ha offert.")
    page.get_by_role("button", name="Lägg till anteckning").click()
    page.wait_for_load_state()
    assert page.get_by_text("Anteckningen är tillagd.").is_visible()
    assert page.locator(".note-body").first.inner_text() == "Ringde om hemsidan.\nVill ha offert."
    page.get_by_role("link", name="Åsa Öberg").click()
    assert page.get_by_role("heading", name="Åsa Öberg").is_visible()
    assert tab.console_errors == []
    assert tab.outside_requests == []


def test_phone_number_search_from_the_dashboard(tab, make_staff, register):
    """`070-123 45 67` typed in the big search box finds the contact."""
    page = tab.page
    log_in(page, make_staff())
    page.locator("#q").fill("070-123 45 67")
    page.get_by_role("button", name="Sök").last.click()
    assert page.get_by_role("link", name="Åsa Öberg").is_visible()


STAFF_URLS = [
    "/staff/",
    "/staff/companies",
    "/staff/contacts",
    "/staff/companies/new",
    "/staff/contacts/new",
    "/staff/search",
    "/staff/account",
    "/staff/account/two-factor",
    "/staff/accounts",
    "/staff/audit",
    "/staff/export",
    "/staff/callbacks",
    "/staff/requests",
    "/staff/requests/new",
    "/staff/privacy",
    "/staff/missing",
]


def test_axe_finds_nothing_on_the_staff_pages(tab, make_staff, register):
    """axe-core's full rule set passes on every back-office page, the login page included."""
    page = tab.page
    page.goto("/staff/login")
    violations = {"/staff/login": axe_violations(page)}
    log_in(page, make_staff(role="admin"))
    page.goto("/staff/companies")
    page.get_by_role("link", name="Exempel Bygg AB").click()
    urls = [*STAFF_URLS, page.url.removeprefix(page.url.split("/staff")[0])]
    for url in urls:
        page.goto(url)
        violations[url] = axe_violations(page)
    # A form with errors too.
    page.goto("/staff/companies/new")
    page.get_by_label("Organisationsnummer").fill("556036-0794")
    page.get_by_role("button", name="Spara").click()
    violations["company form with errors"] = axe_violations(page)
    assert {url: found for url, found in violations.items() if found} == {}


@pytest.mark.parametrize("url", ["/staff/login", "/staff/", "/staff/companies", "/staff/audit"])
def test_staff_pages_fit_a_phone(open_tab, make_staff, register, url):
    """Nothing but the tables' own scroll areas is wider than a 360 px screen."""
    page = open_tab(locale="sv-SE", **PHONE).page
    if url != "/staff/login":
        log_in(page, make_staff(role="admin"))
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_no_cookie_but_the_session_and_none_on_public_pages(tab, make_staff):
    """The browser holds one cookie after login, and visiting the public site adds none."""
    page = tab.page
    log_in(page, make_staff())
    names = [cookie["name"] for cookie in tab.context.cookies()]
    assert names == ["joans_staff"]
    before = tab.context.cookies()
    page.goto("/")
    assert tab.context.cookies() == before


def test_handle_a_call_back_request_from_the_dashboard(tab, app, make_staff):
    """A request left on the site shows on the dashboard; "Called, delete" removes it."""
    from joans.contact.services import submit_callback_request

    with app.test_request_context("/kontakt"):
        submit_callback_request(name="Märta Ödmark", phone="+46701234567", service="hosting",
                                language="sv")  # fmt: skip
    page = tab.page
    log_in(page, make_staff())
    page.get_by_role("link", name="1 person väntar på att bli uppringd").click()
    row = page.get_by_role("row", name="Märta Ödmark")
    assert "070-123 45 67" in row.inner_text()
    assert axe_violations(page) == []
    row.get_by_role("button", name="Ringt, radera").click()
    page.wait_for_load_state()
    assert page.get_by_text("Klart. Förfrågan och numret är raderade.").is_visible()
    assert page.get_by_text("Ingen väntar på att bli uppringd.").is_visible()
    assert tab.console_errors == []
