"""The back office's order, invoice and domain pages in Chromium: the work flow and axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from joans.extensions import db
from joans.models.domains import Domain
from joans.models.invoices import Invoice
from joans.models.orders import Order
from tests.browser.test_public_pages import PHONE, axe_violations
from tests.browser.test_staff import log_in
from tests.orders import make_order


@pytest.fixture
def app_config():
    """The partner desk has an address (mail is not sent in tests without a server)."""
    return {"REGISTRAR_EMAIL": "desk@ilait.example"}


@pytest.fixture
def tab(open_tab):
    """A tab whose browser asks for Swedish."""
    return open_tab(locale="sv-SE")


def test_confirm_an_order_invoice_it_and_record_the_domain(app, tab, make_staff):
    """From the dashboard's waiting orders to an issued invoice and a registered domain."""
    order_id = make_order(app, domains=("flode.se",))
    page = tab.page
    log_in(page, make_staff())
    page.get_by_role("link", name="1 beställning väntar på att bekräftas").click()
    with app.app_context():
        number = db.session.get(Order, order_id).number
    page.get_by_role("link", name=number).click()
    page.get_by_role("button", name="Bekräfta beställningen").click()
    expect(page.get_by_text("1 domännamn skickades till registraren.")).to_be_visible()
    page.get_by_role("button", name="Utfärda och skicka faktura").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Faktura 1")
    with app.app_context():
        invoice = db.session.scalar(select(Invoice))
        domain_id = db.session.scalar(select(Domain.id))
    assert invoice.order_id == order_id
    page.goto(f"/staff/domains/{domain_id}")
    page.get_by_label("Registrerad").fill("2026-03-02")
    page.get_by_label("Löper ut").fill("2027-03-02")
    page.get_by_role("button", name="Spara registreringen").click()
    expect(page.get_by_text("Registreringen är sparad.")).to_be_visible()
    assert tab.console_errors == []


def test_axe_finds_nothing_on_the_order_invoice_domain_and_product_pages(app, tab, make_staff):
    """Every new back-office page, with data in it, and two forms with errors."""
    order_id = make_order(app, domains=("tillganglig.se",))
    page = tab.page
    log_in(page, make_staff(role="admin"))
    page.goto(f"/staff/orders/{order_id}")
    page.get_by_role("button", name="Bekräfta beställningen").click()
    page.get_by_role("button", name="Utfärda och skicka faktura").click()
    with app.app_context():
        invoice_id = db.session.scalar(select(Invoice.id))
        domain_id = db.session.scalar(select(Domain.id))
        company_id = db.session.get(Order, order_id).company_id
    urls = [
        "/staff/",
        "/staff/orders",
        f"/staff/orders/{order_id}",
        "/staff/invoices",
        f"/staff/invoices/{invoice_id}",
        "/staff/domains",
        f"/staff/domains/{domain_id}",
        "/staff/products",
        "/staff/products/new",
        f"/staff/companies/{company_id}",
        f"/staff/companies/{company_id}/end-customership",
    ]
    violations = {}
    for url in urls:
        page.goto(url)
        violations[url] = axe_violations(page)
    page.goto(f"/staff/invoices/{invoice_id}")
    page.get_by_role("button", name="Utfärda kreditfaktura").click()
    violations["credit note without a reason"] = axe_violations(page)
    page.goto("/staff/products/new")
    page.get_by_role("button", name="Spara").click()
    violations["empty product form"] = axe_violations(page)
    assert {url: found for url, found in violations.items() if found} == {}


@pytest.mark.parametrize("url", ["/staff/orders", "/staff/invoices", "/staff/domains"])
def test_the_lists_fit_a_phone(app, open_tab, make_staff, url):
    """Only the tables' own scroll areas may be wider than 360 px."""
    make_order(app, domains=("telefon.se",))
    page = open_tab(locale="sv-SE", **PHONE).page
    log_in(page, make_staff())
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
