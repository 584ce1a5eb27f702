"""Invoices: issued from a confirmed order, numbered without gaps, corrected by credit notes.

Issuing takes the next number from ``invoice_number_sequence`` as the transaction's first write:
PostgreSQL locks the sequence row and SQLite the database until the commit, so two staff issuing
at once get consecutive numbers, and a failed issue rolls its number back.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from joans.audit import record_event, record_view
from joans.billing.pdf import render_invoice_pdf
from joans.extensions import db
from joans.mail import send_email
from joans.models.audit import AuditEvent
from joans.models.catalogue import PERIOD_LABELS, ProductKind
from joans.models.invoices import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceNumberSequence,
    VatSums,
)
from joans.models.orders import Order, OrderStatus
from joans.models.types import local_today, utcnow
from joans.privacy.retention import bookkeeping_keep_until

SERIES = "invoice"
SELLER_SETTINGS = (
    "SELLER_NAME",
    "SELLER_ORGANISATION_NUMBER",
    "SELLER_VAT_NUMBER",
    "SELLER_ADDRESS",
    "SELLER_REGISTERED_OFFICE",
    "SELLER_BANKGIRO",
)
# The buyer as the invoice shows it; a credit note repeats its invoice's.
BUYER_COLUMNS = (
    "buyer_name",
    "buyer_organisation_number",
    "buyer_vat_number",
    "buyer_street",
    "buyer_postal_code",
    "buyer_city",
    "buyer_reference",
    "buyer_email",
)
# Bankgirot: an OCR reference has 2 to 25 digits; ours is the invoice number, at least six
# digits, then the length digit and the check digit.
OCR_MIN_DIGITS = 6


class InvoiceError(Exception):
    """The invoice or credit note cannot be issued or sent; ``args[0]`` says why, for staff."""


# --- OCR references (Bankgirot, "OCR-referens med längd- och checksiffra") --------------------


def luhn_check_digit(digits: str) -> str:
    """The modulus-10 (Luhn) check digit for ``digits``, weights 2, 1, 2, ... from the right."""
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def ocr_reference(number: int) -> str:
    """The OCR reference for invoice ``number``: the number, a length digit, a check digit.

    The length digit is the length of the whole reference modulo 10, so a mistyped reference
    with a digit missing or added is caught as well as a wrong digit.
    """
    base = f"{number:0{OCR_MIN_DIGITS}d}"
    with_length = base + str((len(base) + 2) % 10)
    return with_length + luhn_check_digit(with_length)


def is_valid_ocr(reference: str) -> bool:
    """Whether ``reference`` has a correct length digit and check digit."""
    if not reference.isdigit() or not 2 <= len(reference) <= 25:
        return False
    length_ok = reference[-2] == str(len(reference) % 10)
    return length_ok and luhn_check_digit(reference[:-1]) == reference[-1]


# --- Issuing ----------------------------------------------------------------------------------


def seller_details() -> dict:
    """The seller's details for the invoice; raises InvoiceError naming any missing setting."""
    config = current_app.config
    missing = [name for name in SELLER_SETTINGS if not config[name]]
    if missing:
        raise InvoiceError(
            _l(
                "Invoices need the seller's details. Set %(settings)s.",
                settings=", ".join(f"JOANS_{name}" for name in missing),
            )
        )
    return {
        "seller_name": config["SELLER_NAME"],
        "seller_organisation_number": config["SELLER_ORGANISATION_NUMBER"],
        "seller_vat_number": config["SELLER_VAT_NUMBER"],
        "seller_address": config["SELLER_ADDRESS"],
        "seller_registered_office": config["SELLER_REGISTERED_OFFICE"],
        "seller_bankgiro": config["SELLER_BANKGIRO"],
        "seller_email": config["COMPANY_EMAIL"],
        "seller_f_tax": bool(config["SELLER_F_TAX"]),
    }


def _take_number() -> int:
    """The next number in the series, locked until this transaction ends."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    first = current_app.config["INVOICE_FIRST_NUMBER"]
    db.session.execute(
        insert(InvoiceNumberSequence)
        .values(series=SERIES, last_number=first - 1)
        .on_conflict_do_nothing(index_elements=["series"])
    )
    db.session.execute(
        update(InvoiceNumberSequence)
        .where(InvoiceNumberSequence.series == SERIES)
        .values(last_number=InvoiceNumberSequence.last_number + 1)
    )
    return db.session.scalar(
        select(InvoiceNumberSequence.last_number).where(InvoiceNumberSequence.series == SERIES)
    )


def _line_text(line, language: str) -> str:
    with force_locale(language):
        period = str(PERIOD_LABELS[line.billing_period])
    if line.kind == ProductKind.DOMAIN and line.domain_name:
        return f"{line.description}: {line.domain_name} ({period})"
    return f"{line.description} ({period})"


def issue_invoice(order_id: int, *, actor_id: int, today: date | None = None) -> Invoice:
    """Issue the invoice of a confirmed order and mark the order invoiced (one commit)."""
    seller = seller_details()
    today = today or local_today(utcnow())
    number = _take_number()
    order = db.session.scalar(
        select(Order)
        .options(selectinload(Order.lines))
        .where(Order.id == order_id)
        .execution_options(populate_existing=True)
    )
    if order is None or order.status != OrderStatus.CONFIRMED:
        db.session.rollback()  # gives the number back
        raise InvoiceError(_l("Only a confirmed order that is not invoiced can be invoiced."))
    invoice = Invoice(
        number=number,
        kind=InvoiceKind.INVOICE,
        order_id=order.id,
        company_id=order.company_id,
        order_number=order.number,
        language=order.language,
        issue_date=today,
        due_date=today + timedelta(days=current_app.config["INVOICE_PAYMENT_DAYS"]),
        ocr=ocr_reference(number),
        issued_by_id=actor_id,
        keep_until=bookkeeping_keep_until(today),
        buyer_name=order.buyer_company_name,
        buyer_organisation_number=order.buyer_organisation_number,
        buyer_vat_number=order.buyer_vat_number,
        buyer_street=order.buyer_street,
        buyer_postal_code=order.buyer_postal_code,
        buyer_city=order.buyer_city,
        buyer_reference=order.buyer_name,
        buyer_email=order.buyer_email,
        **seller,
    )
    for position, line in enumerate(order.lines, start=1):
        invoice.lines.append(
            InvoiceLine(
                position=position,
                description=_line_text(line, order.language),
                quantity=line.quantity,
                unit_price_ore=line.unit_price_ore,
                vat_percent=line.vat_percent,
                net_ore=line.net_ore,
            )
        )
    _set_totals(invoice)
    order.status = OrderStatus.INVOICED
    db.session.add(invoice)
    db.session.flush()
    record_event(
        "invoice.issued",
        actor_id=actor_id,
        subject_type="invoice",
        subject_id=invoice.id,
        number=number,
        order_id=order.id,
    )
    db.session.commit()
    return invoice


def _set_totals(invoice: Invoice) -> None:
    sums = VatSums(tuple(invoice.lines))
    invoice.net_ore, invoice.vat_ore, invoice.total_ore = sums.net_ore, sums.vat_ore, sums.total_ore


def issue_credit_note(
    invoice_id: int, *, reason: str, actor_id: int, today: date | None = None
) -> Invoice:
    """Cancel an invoice in full with a credit note that refers to it.

    The order goes back to "confirmed", so a corrected invoice can be issued.
    """
    seller = seller_details()
    today = today or local_today(utcnow())
    number = _take_number()
    original = db.session.scalar(
        select(Invoice)
        .options(selectinload(Invoice.lines), selectinload(Invoice.credit_note))
        .where(Invoice.id == invoice_id)
        .execution_options(populate_existing=True)
    )
    if original is None or original.is_credit_note or original.credit_note is not None:
        db.session.rollback()
        raise InvoiceError(_l("Only an invoice without a credit note can be credited."))
    credit = Invoice(
        number=number,
        kind=InvoiceKind.CREDIT_NOTE,
        credited_invoice_id=original.id,
        order_id=original.order_id,
        company_id=original.company_id,
        order_number=original.order_number,
        language=original.language,
        issue_date=today,
        due_date=None,
        ocr=None,
        reason=reason,
        issued_by_id=actor_id,
        keep_until=bookkeeping_keep_until(today),
        **{name: getattr(original, name) for name in BUYER_COLUMNS},
        **seller,
    )
    for line in original.lines:
        credit.lines.append(
            InvoiceLine(
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit_price_ore=-line.unit_price_ore,
                vat_percent=line.vat_percent,
                net_ore=-line.net_ore,
            )
        )
    _set_totals(credit)
    db.session.add(credit)
    order = db.session.get(Order, original.order_id) if original.order_id else None
    if order is not None and order.status == OrderStatus.INVOICED:
        order.status = OrderStatus.CONFIRMED
    db.session.flush()
    record_event(
        "invoice.credited",
        actor_id=actor_id,
        subject_type="invoice",
        subject_id=credit.id,
        number=number,
        credited_invoice_id=original.id,
    )
    db.session.commit()
    return credit


# --- Reading and sending ----------------------------------------------------------------------


def find_invoice(invoice_id: int) -> Invoice | None:
    """An invoice with its lines."""
    return db.session.scalar(
        select(Invoice).options(selectinload(Invoice.lines)).where(Invoice.id == invoice_id)
    )


def view_invoice(invoice_id: int, *, actor_id: int, purpose: str = "view") -> Invoice | None:
    """Open an invoice (the buyer's details); the audit log notes who and why."""
    invoice = find_invoice(invoice_id)
    return record_view(invoice, "invoice.viewed", "invoice", actor_id=actor_id, purpose=purpose)


def list_invoices(*, page: int, per_page: int):
    """Invoices and credit notes, newest number first."""
    query = select(Invoice).order_by(Invoice.number.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def invoices_of(order: Order) -> list[Invoice]:
    """An order's invoices and credit notes, in number order."""
    query = select(Invoice).where(Invoice.order_id == order.id).order_by(Invoice.number)
    return list(db.session.scalars(query))


def pdf_filename(invoice: Invoice) -> str:
    """``faktura-12.pdf`` or ``invoice-12.pdf``, in the invoice's language."""
    with force_locale(invoice.language):
        stem = str(_l("credit-note") if invoice.is_credit_note else _l("invoice"))
    return f"{stem}-{invoice.number}.pdf"


def send_invoice(invoice_id: int, *, actor_id: int) -> None:
    """E-mail the invoice as a PDF to the buyer, in the invoice's language; InvoiceError if not."""
    invoice = find_invoice(invoice_id)
    if invoice is None:
        raise InvoiceError(_l("There is no such invoice."))
    subject = (
        _l(
            "Credit note %(number)s from %(seller)s",
            number=invoice.number,
            seller=invoice.seller_name,
        )
        if invoice.is_credit_note
        else _l(
            "Invoice %(number)s from %(seller)s", number=invoice.number, seller=invoice.seller_name
        )
    )
    try:
        send_email(
            to=invoice.buyer_email,
            subject=subject,
            template="invoice",
            language=invoice.language,
            sender=current_app.config["ORDERS_SENDER"],
            attachments=((pdf_filename(invoice), "application/pdf", render_invoice_pdf(invoice)),),
            invoice=invoice,
        )
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.error("Invoice %d was not sent (%s)", invoice.id, type(error).__name__)
        raise InvoiceError(_l("The e-mail could not be sent. Try again later.")) from None
    record_event("invoice.sent", actor_id=actor_id, subject_type="invoice", subject_id=invoice.id)
    db.session.commit()


# --- Issuing and sending in one step ---------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """An invoice or credit note just issued; ``send_error`` says why the e-mail did not go."""

    invoice: Invoice
    send_error: InvoiceError | None = None


def issue_and_send_invoice(order_id: int, *, actor_id: int, today: date | None = None) -> Issued:
    """Issue a confirmed order's invoice and e-mail it to the buyer.

    Raises InvoiceError when it cannot be issued. An e-mail that fails leaves the invoice issued
    (its number is taken for good), to be sent again from its page.
    """
    invoice = issue_invoice(order_id, actor_id=actor_id, today=today)
    return Issued(invoice, _send_error(invoice.id, actor_id))


def issue_and_send_credit_note(
    invoice_id: int, *, reason: str, actor_id: int, today: date | None = None
) -> Issued:
    """Credit an invoice in full and e-mail the credit note; failures as for invoices."""
    credit = issue_credit_note(invoice_id, reason=reason, actor_id=actor_id, today=today)
    return Issued(credit, _send_error(credit.id, actor_id))


def _send_error(invoice_id: int, actor_id: int) -> InvoiceError | None:
    try:
        send_invoice(invoice_id, actor_id=actor_id)
    except InvoiceError as error:
        return error
    return None


def last_sent(invoice: Invoice):
    """When the invoice was last e-mailed, from the audit trail; None if never."""
    return db.session.scalar(
        select(AuditEvent.occurred_at)
        .where(
            AuditEvent.action == "invoice.sent",
            AuditEvent.subject_type == "invoice",
            AuditEvent.subject_id == invoice.id,
        )
        .order_by(AuditEvent.occurred_at.desc())
        .limit(1)
    )
