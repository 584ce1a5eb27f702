"""Issuing and e-mailing in one service call, for invoices and credit notes alike."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from joans.billing import invoices as invoice_service
from joans.billing.invoices import InvoiceError
from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.invoices import Invoice
from joans.models.orders import OrderStatus
from tests.orders import confirmed_order, make_order, order

TODAY = date(2026, 3, 2)
BUYER = "anna@example.se"


@pytest.fixture
def app_config(smtp_server):
    """Mail goes to a real SMTP server."""
    return smtp_server.app_config


def invoices_to_buyer(smtp_server) -> list[str]:
    """Subjects of the invoices and credit notes the buyer received."""
    return [
        m["Subject"]
        for m in smtp_server.messages
        if m["To"] == BUYER and m["Subject"].startswith(("Faktura", "Kreditfaktura"))
    ]


def sent_events(app) -> list[int]:
    with app.app_context():
        query = select(AuditEvent.subject_id).where(AuditEvent.action == "invoice.sent")
        return list(db.session.scalars(query))


def test_issuing_an_invoice_e_mails_it_to_the_buyer_in_the_same_call(app, smtp_server):
    """The order is invoiced, the buyer has the PDF, and the sending is audited."""
    order_id = confirmed_order(app)
    with app.app_context():
        issued = invoice_service.issue_and_send_invoice(order_id, actor_id=None, today=TODAY)
        assert issued.send_error is None
        assert order(app, order_id).status == OrderStatus.INVOICED
        invoice_id = issued.invoice.id
    assert invoices_to_buyer(smtp_server) == [f"Faktura 1 från {app.config['SELLER_NAME']}"]
    assert sent_events(app) == [invoice_id]


def test_a_credit_note_is_e_mailed_in_the_same_call_too(app, smtp_server):
    """Crediting reopens the order and sends the credit note after the invoice."""
    order_id = confirmed_order(app)
    with app.app_context():
        invoice = invoice_service.issue_and_send_invoice(order_id, actor_id=None, today=TODAY)
        credit = invoice_service.issue_and_send_credit_note(
            invoice.invoice.id, reason="Fel pris", actor_id=None, today=TODAY
        )
        assert credit.send_error is None
        assert credit.invoice.credited_invoice_id == invoice.invoice.id
        assert order(app, order_id).status == OrderStatus.CONFIRMED
    seller = app.config["SELLER_NAME"]
    assert invoices_to_buyer(smtp_server) == [
        f"Faktura 1 från {seller}",
        f"Kreditfaktura 2 från {seller}",
    ]


def test_an_e_mail_that_fails_leaves_the_invoice_issued_and_says_why(app, smtp_server):
    """The number is taken for good; staff learn it was not sent and can send it later."""
    order_id = confirmed_order(app)
    smtp_server.refuse[BUYER] = "550 No such user"
    with app.app_context():
        issued = invoice_service.issue_and_send_invoice(order_id, actor_id=None, today=TODAY)
        assert isinstance(issued.send_error, InvoiceError)
        assert db.session.scalars(select(Invoice.number)).all() == [1]
        assert order(app, order_id).status == OrderStatus.INVOICED
    assert sent_events(app) == []


def test_an_order_that_cannot_be_invoiced_sends_nothing(app, smtp_server):
    """A received (unconfirmed) order: InvoiceError, no invoice, no e-mail."""
    order_id = make_order(app)
    with app.app_context(), pytest.raises(InvoiceError):
        invoice_service.issue_and_send_invoice(order_id, actor_id=None, today=TODAY)
    assert invoices_to_buyer(smtp_server) == []
    with app.app_context():
        assert db.session.scalars(select(Invoice)).all() == []
