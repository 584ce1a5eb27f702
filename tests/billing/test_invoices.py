"""Invoices: gapless numbers under concurrency, immutability, credit notes, OCR, VAT, retention."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from joans.billing import invoices as invoice_service
from joans.billing.invoices import InvoiceError, is_valid_ocr, luhn_check_digit, ocr_reference
from joans.extensions import db
from joans.models.catalogue import Product
from joans.models.invoices import Invoice, InvoiceImmutableError, InvoiceLine
from joans.models.orders import OrderStatus
from joans.privacy.retention import RULES, bookkeeping_keep_until
from tests.orders import confirmed_order, make_order, order, products

TODAY = date(2026, 3, 2)


def issue(app, order_id, *, actor_id=None, today=TODAY) -> Invoice:
    with app.app_context():
        invoice = invoice_service.issue_invoice(order_id, actor_id=actor_id, today=today)
        return invoice_service.find_invoice(invoice.id)


def numbers(app) -> list[int]:
    with app.app_context():
        return sorted(db.session.scalars(select(Invoice.number)))


# --- OCR references ---------------------------------------------------------------------------


def test_luhn_check_digit_matches_the_textbook_example():
    """79927398713 is the classic valid Luhn number: the check digit of 7992739871 is 3."""
    assert luhn_check_digit("7992739871") == "3"
    assert (
        luhn_check_digit("556036079") == "3"
    )  # the check digit of organisation number 556036-0793


@pytest.mark.parametrize("number", [1, 42, 999_999, 1_000_000, 123_456_789])
def test_ocr_reference_has_a_length_digit_and_a_check_digit(number):
    """Bankgirot's variable-length OCR: the number, its length modulo 10, then a Luhn digit."""
    reference = ocr_reference(number)
    assert reference.startswith(f"{number:06d}")
    assert reference[-2] == str(len(reference) % 10)
    assert is_valid_ocr(reference)


def test_a_mistyped_ocr_reference_is_caught():
    """A changed digit, a dropped digit and swapped neighbours all fail the check."""
    reference = ocr_reference(1234)  # "00123483" + check digit
    changed = reference[:3] + str((int(reference[3]) + 1) % 10) + reference[4:]
    dropped = reference[1:]
    swapped = reference[0] + reference[2] + reference[1] + reference[3:]
    assert is_valid_ocr(reference)
    for wrong in (changed, dropped, swapped, "abc", ""):
        if wrong != reference:
            assert not is_valid_ocr(wrong), wrong


# --- Issuing ----------------------------------------------------------------------------------


def test_an_invoice_copies_buyer_and_seller_and_computes_vat_per_rate(app):
    """Lines at 25 % and 6 % give one VAT line per rate; totals add up; the order is invoiced."""
    ids = products(app)
    with app.app_context():
        db.session.get(Product, ids["email-account"]).vat_percent = 6
        db.session.commit()
    order_id = confirmed_order(app, codes=("hosting-small", "email-account"), domains=("ab.se",))
    invoice = issue(app, order_id)
    assert invoice.number == 1
    assert (invoice.issue_date, invoice.due_date) == (TODAY, date(2026, 4, 1))
    assert invoice.ocr == ocr_reference(1)
    assert (invoice.buyer_name, invoice.buyer_organisation_number, invoice.buyer_vat_number) == (
        "Exempel AB", "556036-0793", "SE556036079301",
    )  # fmt: skip
    assert invoice.buyer_reference == "Anna Andersson"
    assert invoice.seller_vat_number == app.config["SELLER_VAT_NUMBER"]
    with app.app_context():
        invoice = invoice_service.find_invoice(invoice.id)
        # Hosting 199 + .se 149 at 25 %, e-mail 49 at 6 %.
        assert invoice.vat_by_rate() == [(25, 34_800, 8_700), (6, 4_900, 294)]
        assert (invoice.net_ore, invoice.vat_ore, invoice.total_ore) == (39_700, 8_994, 48_694)
        assert [line.description for line in invoice.lines][2] == (
            "Domänregistrering .se: ab.se (per år)"
        )
        assert order(app, order_id).status == OrderStatus.INVOICED


def test_only_a_confirmed_order_is_invoiced_and_a_refusal_uses_no_number(app):
    """A received order is refused, and the next invoice still gets number 1."""
    received = make_order(app)
    with app.app_context(), pytest.raises(InvoiceError):
        invoice_service.issue_invoice(received, actor_id=None, today=TODAY)
    assert issue(app, confirmed_order(app)).number == 1


def test_an_order_is_invoiced_once(app):
    """Issuing again for an invoiced order is refused; no number is spent."""
    order_id = confirmed_order(app)
    issue(app, order_id)
    with app.app_context(), pytest.raises(InvoiceError):
        invoice_service.issue_invoice(order_id, actor_id=None, today=TODAY)
    assert issue(app, confirmed_order(app)).number == 2


def test_the_series_can_start_where_an_older_one_ended(app):
    """INVOICE_FIRST_NUMBER continues a series taken over from another system."""
    app.config["INVOICE_FIRST_NUMBER"] = 1001
    assert issue(app, confirmed_order(app)).number == 1001
    assert issue(app, confirmed_order(app)).number == 1002


def test_invoices_wait_for_the_seller_details(app):
    """Without the seller's VAT number no invoice is issued, and the message names the setting."""
    app.config["SELLER_VAT_NUMBER"] = None
    order_id = confirmed_order(app)
    with app.app_context(), pytest.raises(InvoiceError) as error:
        invoice_service.issue_invoice(order_id, actor_id=None, today=TODAY)
    assert "JOANS_SELLER_VAT_NUMBER" in str(error.value.args[0])
    assert numbers(app) == []


@pytest.mark.parametrize("threads", [8])
def test_staff_issuing_at_the_same_time_get_gapless_unique_numbers(app, threads):
    """Threads with their own connections issue at once; the numbers are 1..n, each once.

    Runs on SQLite, and on PostgreSQL when JOANS_TEST_DATABASE_URL points there.
    """
    order_ids = [confirmed_order(app) for _ in range(threads)]
    barrier = threading.Barrier(threads)
    errors = []

    def work(order_id):
        with app.app_context():
            barrier.wait()
            try:
                invoice_service.issue_invoice(order_id, actor_id=None, today=TODAY)
            except Exception as error:  # reported below, so every thread's failure shows
                errors.append(repr(error))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=work, args=(order_id,)) for order_id in order_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert numbers(app) == list(range(1, threads + 1))


def test_two_staff_invoicing_the_same_order_at_once_issue_one_invoice(app):
    """One wins; the others are refused and their numbers are not lost."""
    order_id = confirmed_order(app)
    barrier = threading.Barrier(4)
    outcomes = []

    def work():
        with app.app_context():
            barrier.wait()
            try:
                invoice_service.issue_invoice(order_id, actor_id=None, today=TODAY)
                outcomes.append("issued")
            except InvoiceError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["issued", "refused", "refused", "refused"]
    assert numbers(app) == [1]
    assert issue(app, confirmed_order(app)).number == 2


# --- Immutability -----------------------------------------------------------------------------


def test_an_issued_invoice_cannot_be_changed_through_the_orm(app):
    """Changing a field and committing is refused, and nothing changes in the database."""
    invoice_id = issue(app, confirmed_order(app)).id
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.buyer_name = "Someone Else AB"
        with pytest.raises(InvoiceImmutableError):
            db.session.commit()
        db.session.rollback()
        line = db.session.scalars(select(InvoiceLine)).first()
        line.net_ore = 1
        with pytest.raises(InvoiceImmutableError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(Invoice, invoice_id).buyer_name == "Exempel AB"


def test_bulk_updates_and_deletes_of_invoices_are_refused(app):
    """An UPDATE statement through the session and deleting the object are refused too."""
    invoice_id = issue(app, confirmed_order(app)).id
    with app.app_context():
        with pytest.raises(InvoiceImmutableError):
            db.session.execute(update(Invoice).values(total_ore=0))
        db.session.rollback()
        db.session.delete(db.session.get(Invoice, invoice_id))
        with pytest.raises(InvoiceImmutableError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(Invoice, invoice_id).total_ore > 0


# --- Credit notes -----------------------------------------------------------------------------


def test_a_credit_note_cancels_the_invoice_and_lets_the_order_be_invoiced_again(app):
    """Negative lines and totals, a reference to the invoice, the next number, order confirmed."""
    order_id = confirmed_order(app)
    original = issue(app, order_id)
    with app.app_context():
        credit = invoice_service.issue_credit_note(
            original.id, reason="Wrong billing address", actor_id=None, today=TODAY
        )
        credit = invoice_service.find_invoice(credit.id)
        assert credit.number == 2
        assert credit.credited_invoice_id == original.id
        assert credit.total_ore == -original.total_ore
        assert [line.net_ore for line in credit.lines] == [-19_900]
        assert credit.ocr is None and credit.due_date is None
        assert order(app, order_id).status == OrderStatus.CONFIRMED
        with pytest.raises(InvoiceError):
            invoice_service.issue_credit_note(original.id, reason="Again", actor_id=None)
        with pytest.raises(InvoiceError):
            invoice_service.issue_credit_note(credit.id, reason="A credit", actor_id=None)
    assert issue(app, order_id).number == 3


# --- Keeping and deleting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end_month", "issued", "kept_until"),
    [
        (12, date(2025, 6, 30), date(2032, 12, 31)),  # CHECKLISTS.md D4: delete from 2033-01-01
        (12, date(2025, 1, 1), date(2032, 12, 31)),
        (6, date(2025, 6, 30), date(2032, 12, 31)),  # the year 2024/25 ended in 2025
        (6, date(2025, 7, 1), date(2033, 12, 31)),  # the year 2025/26 ends in 2026
    ],
)
def test_invoices_are_kept_until_the_end_of_the_seventh_year_after_the_financial_year(
    app, end_month, issued, kept_until
):
    """Bokföringslagen 7 kap. 2 §, with calendar and broken financial years."""
    app.config["FINANCIAL_YEAR_END_MONTH"] = end_month
    with app.app_context():
        assert bookkeeping_keep_until(issued) == kept_until


def test_the_bookkeeping_rule_deletes_an_invoice_only_after_its_period(app):
    """Kept on 2032-12-31, gone on 2033-01-01; a later credit note keeps its invoice too."""
    rule = RULES["bookkeeping"]
    first = issue(app, confirmed_order(app), today=date(2025, 5, 1)).id
    credited = issue(app, confirmed_order(app), today=date(2025, 5, 1)).id
    with app.app_context():
        invoice_service.issue_credit_note(
            credited, reason="Wrong", actor_id=None, today=date(2026, 1, 10)
        )
        last_day = datetime(2032, 12, 31, 12, tzinfo=UTC)
        first_day_after = datetime(2033, 1, 1, 12, tzinfo=UTC)
        assert rule.count_expired(last_day) == 0
        assert rule.apply(first_day_after) == 1
        db.session.commit()
        remaining = set(db.session.scalars(select(Invoice.id)))
        assert first not in remaining and credited in remaining
        assert db.session.scalars(select(InvoiceLine.invoice_id)).all().count(first) == 0
