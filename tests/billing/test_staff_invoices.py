"""The back office for invoices: issuing, the PDF, credit notes."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.invoices import Invoice
from joans.models.orders import Order, OrderStatus
from tests.orders import confirmed_order, text_of

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


def test_issuing_an_invoice_e_mails_the_pdf_to_the_buyer(app, staff, staff_post, smtp_server):
    """The buyer receives the invoice in the order's language, as a PDF that opens."""
    order_id = confirmed_order(app, language="en")
    response = staff_post(staff, f"/staff/orders/{order_id}/invoice")
    with app.app_context():
        invoice = db.session.scalar(select(Invoice))
    assert response.headers["Location"] == f"/staff/invoices/{invoice.id}"
    (message,) = [
        m
        for m in smtp_server.messages
        if m["To"] == "anna@example.se" and "Invoice" in m["Subject"]
    ]
    assert message["Subject"] == f"Invoice 1 from {app.config['SELLER_NAME']}"
    assert message["From"] == app.config["ORDERS_SENDER"]
    assert "List-Unsubscribe" not in message
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "invoice-1.pdf"
    assert attachment.get_content_type() == "application/pdf"
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    assert "Invoice number 1" in reader.pages[0].extract_text()
    page = text_of(staff.get(f"/staff/invoices/{invoice.id}"))
    assert "Faktura 1" in page and invoice.ocr in page


def test_the_pdf_can_be_downloaded_and_the_download_is_audited(app, staff, staff_post):
    """A PDF attachment named after the invoice, in the invoice's language."""
    order_id = confirmed_order(app)
    staff_post(staff, f"/staff/orders/{order_id}/invoice")
    with app.app_context():
        invoice_id = db.session.scalar(select(Invoice.id))
    response = staff.get(f"/staff/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="faktura-1.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert PdfReader(io.BytesIO(response.data)).pages
    with app.app_context():
        purposes = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "invoice.viewed")
        ).all()
    assert {"purpose": "pdf"} in purposes


def test_a_credit_note_needs_a_reason_and_is_sent_too(app, staff, staff_post, smtp_server):
    """Without a reason the form says so; with one the credit note is issued and e-mailed."""
    order_id = confirmed_order(app)
    staff_post(staff, f"/staff/orders/{order_id}/invoice")
    with app.app_context():
        invoice_id = db.session.scalar(select(Invoice.id))
    response = staff_post(staff, f"/staff/invoices/{invoice_id}/credit", {"reason": ""})
    assert response.status_code == 422
    assert "Skriv varför fakturan krediteras." in text_of(response)
    response = staff_post(staff, f"/staff/invoices/{invoice_id}/credit", {"reason": "Fel pris"})
    assert response.status_code == 302
    with app.app_context():
        credit = db.session.scalar(select(Invoice).where(Invoice.kind == "credit_note"))
        assert credit.reason == "Fel pris"
        assert db.session.get(Order, order_id).status == OrderStatus.CONFIRMED
    subjects = [m["Subject"] for m in smtp_server.messages if m["To"] == "anna@example.se"]
    assert f"Kreditfaktura 2 från {app.config['SELLER_NAME']}" in subjects
