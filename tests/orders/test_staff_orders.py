"""The back office for orders and the catalogue."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.catalogue import Product
from joans.models.domains import Disclosure, Domain, DomainStatus
from joans.models.invoices import Invoice
from joans.models.orders import Order, OrderStatus
from joans.models.types import utcnow
from joans.privacy.retention import local_today
from tests.orders import confirmed_order, make_order, products, text_of

DESK = "desk@ilait.example"


@pytest.fixture
def app_config(smtp_server):
    """Mail to a real SMTP server, including the registrar's desk."""
    return {**smtp_server.app_config, "REGISTRAR_EMAIL": DESK}


@pytest.fixture
def staff(client, login_as_staff):
    """A client logged in as a staff member (not an admin)."""
    login_as_staff(client)
    return client


def test_the_order_list_and_page_show_the_order_and_audit_the_view(app, staff):
    """Staff find the order by its number and see the buyer as typed; the view is audited."""
    order_id = make_order(app, domains=("lista.se",))
    with app.app_context():
        number = db.session.get(Order, order_id).number
    assert number in text_of(staff.get("/staff/orders?status=received"))
    assert number not in text_of(staff.get("/staff/orders?status=done"))
    page = text_of(staff.get(f"/staff/orders/{order_id}"))
    for expected in ("Exempel AB", "556036-0793", "anna@example.se", "lista.se", "Mottagen"):
        assert expected in page
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "order.viewed" in actions


def test_confirming_an_order_hands_its_domains_to_the_registrar(
    app, staff, staff_post, smtp_server
):
    """One button: the order is confirmed, the desk gets the registration, a disclosure is kept."""
    order_id = make_order(app, domains=("bekrafta.se",))
    response = staff_post(staff, f"/staff/orders/{order_id}/status/confirmed")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Order, order_id).status == OrderStatus.CONFIRMED
        (disclosure,) = db.session.scalars(select(Disclosure)).all()
        assert disclosure.order_id == order_id
    assert [m["To"] for m in smtp_server.messages if m["To"] == DESK] == [DESK]
    assert "1 domännamn skickades till registraren." in text_of(
        staff.get(f"/staff/orders/{order_id}")
    )


def test_a_status_staff_may_not_set_is_refused(app, staff, staff_post):
    """Invoiced comes from issuing an invoice, never from a button; done needs an invoice."""
    order_id = make_order(app)
    assert staff_post(staff, f"/staff/orders/{order_id}/status/invoiced").status_code == 400
    staff_post(staff, f"/staff/orders/{order_id}/status/done")
    with app.app_context():
        assert db.session.get(Order, order_id).status == OrderStatus.RECEIVED


def test_the_dashboard_shows_waiting_orders_and_domains_expiring_within_60_days(app, staff):
    """A domain expiring in 60 days is listed, one in 61 days is not."""
    make_order(app, domains=("snart.se", "senare.se"))
    with app.app_context():
        today = local_today(utcnow())
        for name, days in (("snart.se", 60), ("senare.se", 61)):
            domain = db.session.scalar(select(Domain).where(Domain.name == name))
            domain.status, domain.expires_on = DomainStatus.REGISTERED, today + timedelta(days=days)
        db.session.commit()
    page = text_of(staff.get("/staff/"))
    assert "1 beställning väntar på att bekräftas" in page
    assert "snart.se" in page
    assert "senare.se" not in page


# --- The catalogue (admins) -------------------------------------------------------------------


def test_only_admins_edit_the_catalogue(app, staff):
    """Staff get 403 on the product pages."""
    products(app)
    assert staff.get("/staff/products").status_code == 403
    assert staff.get("/staff/products/new").status_code == 403


def test_an_admin_adds_a_product_with_a_price_in_kronor(app, client, login_as_staff, staff_post):
    """ "199,50" is stored as 19 950 öre; a code already used is refused next to the field."""
    login_as_staff(client, role="admin")
    values = {
        "code": "backup", "name_sv": "Säkerhetskopia", "name_en": "Backup",
        "description_sv": "", "description_en": "", "kind": "service", "tld": "",
        "price": "199,50", "vat_percent": "25", "billing_period": "monthly", "position": "50",
        "active": "y",
    }  # fmt: skip
    assert staff_post(client, "/staff/products/new", values).status_code == 302
    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.code == "backup"))
        assert (product.price_ore, product.vat_percent) == (19_950, 25)
    again = staff_post(client, "/staff/products/new", values)
    assert "En annan produkt har den här koden." in text_of(again)
    bad = staff_post(client, "/staff/products/new", {**values, "code": "x", "price": "12,345"})
    assert "Skriv ett belopp i kronor" in text_of(bad)
    domain = staff_post(client, "/staff/products/new", {**values, "code": "d", "kind": "domain"})
    assert "En domänregistrering behöver sin toppdomän." in text_of(domain)


def test_a_sole_traders_personnummer_is_masked_on_the_order_page(app, staff, staff_post):
    """The birth date shows, the last four digits do not, in the VAT number either; the invoice
    PDF the buyer gets carries the whole VAT number, as the law asks of an invoice."""
    order_id = confirmed_order(
        app, buyer={"organisation_number": "19811218-9876", "vat_number": "SE811218987601"}
    )
    page = text_of(staff.get(f"/staff/orders/{order_id}"))
    assert "19811218-****" in page
    assert "SE811218****01" in page
    assert "9876" not in page
    staff_post(staff, f"/staff/orders/{order_id}/invoice")
    with app.app_context():
        invoice_id = db.session.scalar(select(Invoice.id))
    assert "9876" not in text_of(staff.get(f"/staff/invoices/{invoice_id}"))
    pdf = PdfReader(io.BytesIO(staff.get(f"/staff/invoices/{invoice_id}/pdf").data))
    assert "SE811218987601" in pdf.pages[0].extract_text()
