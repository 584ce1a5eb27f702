"""Bankgirot's BgMax file is read whole, or refused whole with every problem and its line."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel.speaklater import LazyString

from joans.billing import bgmax
from joans.billing.bgmax import BgMaxError, DepositSpec, PaymentSpec, ReferenceKind

DATA = Path(__file__).parent / "data"


def valid_lines() -> list[str]:
    """The hand-built two-deposit file, one 80-character record per item."""
    return (DATA / "bgmax_two_deposits.txt").read_bytes().decode("iso-8859-1").split("\r\n")[:-1]


def encode(lines: list[str], ending: str = "\r\n") -> bytes:
    return "".join(line + ending for line in lines).encode("iso-8859-1")


def replaced(line_number: int, start: int, text: str) -> bytes:
    """The valid file with ``text`` written from position ``start`` (1-based) of one line."""
    lines = valid_lines()
    line = lines[line_number - 1]
    lines[line_number - 1] = line[: start - 1] + text + line[start - 1 + len(text) :]
    return encode(lines)


def problems(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(BgMaxError) as caught:
        bgmax.parse(data)
    return [(problem.line, str(problem.reason)) for problem in caught.value.problems]


# --- A valid file ------------------------------------------------------------------------------


def test_reads_the_start_record_and_every_deposit():
    """Timestamp, production marker and both deposits with their dates, serials and totals."""
    parsed = bgmax.parse(encode(valid_lines()))
    assert parsed.timestamp == datetime(2027, 1, 15, 6, 30, 12, 345678)
    assert parsed.test is False
    assert [(d.payment_date, d.serial, d.total, d.payee_bankgiro) for d in parsed.deposits] == [
        (date(2027, 1, 14), "00042", Decimal("1499.00"), "55555555"),
        (date(2027, 1, 15), "00043", Decimal("1800.00"), "55555555"),
    ]
    assert parsed.deposits[0].bank_account == "1234567890"


def test_payments_carry_amount_reference_kind_date_and_serial():
    """Each payment knows its amount in kronor, its reference and kind, and its deposit's date."""
    payments = bgmax.parse(encode(valid_lines())).payments
    summary = [
        (p.amount, p.reference, p.reference_kind, p.payment_date, p.bgc_serial) for p in payments
    ]
    assert summary == [
        (Decimal("1250.00"), "00100180", ReferenceKind.OCR, date(2027, 1, 14), "000000000001"),
        (Decimal("-250.00"), "00100289", ReferenceKind.OCR, date(2027, 1, 14), "000000000002"),
        (Decimal("499.00"), "", ReferenceKind.NONE, date(2027, 1, 14), "000000000003"),
        (
            Decimal("1000.00"),
            "Faktura 1003",
            ReferenceKind.OTHER,
            date(2027, 1, 15),
            "000000000004",
        ),
        (
            Decimal("800.00"),
            "00100487 00100586",
            ReferenceKind.OTHER,
            date(2027, 1, 15),
            "000000000005",
        ),
    ]
    assert all(isinstance(p.amount, Decimal) for p in payments)


def test_a_deduction_is_negative_and_each_deposit_adds_up():
    """A 21 record is a deduction: negative, with its code, and the deposit total nets it."""
    parsed = bgmax.parse(encode(valid_lines()))
    deduction = parsed.payments[1]
    assert deduction.is_deduction and deduction.deduction_code == 0
    assert not parsed.payments[0].is_deduction
    for deposit in parsed.deposits:
        assert sum(p.amount for p in deposit.payments) == deposit.total


def test_payer_name_address_and_organisation_number_in_iso_8859_1():
    """Records 26-29 belong to the payment above them; å, Å and Ö survive ISO 8859-1."""
    payments = bgmax.parse(encode(valid_lines())).payments
    first = payments[0]
    assert (first.payer_name, first.payer_extra_name) == ("Region Norrbotten", "Ekonomiavdelningen")
    assert (first.payer_street, first.payer_postal_code, first.payer_city) == (
        "Robertsviksgatan 7",
        "97189",
        "Luleå",
    )
    assert first.payer_organisation_number == "2321000230"
    assert payments[2].payer_name == "Åsa Öberg"
    assert payments[2].information == ("Betalning för domänen joans.se",)
    assert payments[2].image is True and payments[2].channel == 3
    assert payments[1].payer_name is None


def test_extra_references_with_their_amounts_belong_to_their_payment():
    """22 records add positive amounts, a 23 record a negative one, under the payment above."""
    payment = bgmax.parse(encode(valid_lines())).payments[4]
    assert [(x.reference, x.amount, x.reference_kind) for x in payment.extra_references] == [
        ("00100487", Decimal("500.00"), ReferenceKind.OCR),
        ("00100586", Decimal("400.00"), ReferenceKind.OCR),
        ("00100180", Decimal("-100.00"), ReferenceKind.OCR),
    ]
    assert sum(x.amount for x in payment.extra_references) == payment.amount


def test_line_feeds_alone_and_a_missing_last_newline_are_read_the_same():
    """CR LF and LF files give the same payments and the same identity."""
    crlf = bgmax.parse(encode(valid_lines()))
    lf = bgmax.parse(encode(valid_lines(), "\n")[:-1])
    assert lf.payments == crlf.payments
    assert lf.identity == crlf.identity


def test_identity_recognises_the_same_file_and_tells_another_apart():
    """The identity is stable for one file and changes with the timestamp or a deposit serial."""
    first = bgmax.parse(encode(valid_lines())).identity
    assert bgmax.parse(encode(valid_lines())).identity == first
    assert len(first) == 64
    assert bgmax.parse(replaced(1, 44, "9")).identity != first
    later_serial = replaced(20, 46, "00044")
    assert bgmax.parse(later_serial).identity != first


# --- The writer ----------------------------------------------------------------------------------


def test_written_file_reads_back_with_every_payment():
    """write_file makes a valid file: payments, a deduction, names and deposits come back."""
    deposits = [
        DepositSpec(
            date(2027, 2, 1),
            7,
            [
                PaymentSpec(Decimal("99.50"), "00100180", payer_name="Åre kommun"),
                PaymentSpec(Decimal("-10.00"), "00100289"),
                PaymentSpec(Decimal("5"), "", ReferenceKind.NONE, information=("Hej",)),
            ],
        ),
        DepositSpec(
            date(2027, 2, 2),
            8,
            [PaymentSpec(Decimal("1.005"), "Faktura 9", ReferenceKind.OTHER, "1234567")],
        ),
    ]
    data = bgmax.write_file("5555-5555", deposits, datetime(2027, 2, 2, 5, 0, 0, 1))
    assert all(len(line) == 80 for line in data.decode("iso-8859-1").split("\r\n")[:-1])
    parsed = bgmax.parse(data)
    assert [(p.amount, p.reference, p.reference_kind) for p in parsed.payments] == [
        (Decimal("99.50"), "00100180", ReferenceKind.OCR),
        (Decimal("-10.00"), "00100289", ReferenceKind.OCR),
        (Decimal("5.00"), "", ReferenceKind.NONE),
        (Decimal("1.01"), "Faktura 9", ReferenceKind.OTHER),
    ]
    assert parsed.payments[0].payer_name == "Åre kommun"
    assert parsed.payments[2].information == ("Hej",)
    assert [(d.serial, d.total) for d in parsed.deposits] == [
        ("00007", Decimal("94.50")),
        ("00008", Decimal("1.01")),
    ]
    assert parsed.test is True


# --- Bad files: refused whole, each problem with its line ----------------------------------------


BAD_FILES = {
    "layout name": (lambda: replaced(1, 3, "BGMIN"), [(1, "layout is BGMIN")]),
    "layout version": (lambda: replaced(1, 23, "02"), [(1, "Layout version 02")]),
    "timestamp": (lambda: replaced(1, 29, "13"), [(1, "not a valid date and time")]),
    "test marker": (lambda: replaced(1, 45, "X"), [(1, "test marker")]),
    "start record": (
        lambda: encode(["05" + valid_lines()[0][2:], *valid_lines()[1:]]),
        [(1, "start record (01)")],
    ),
    "record length": (
        lambda: encode([*valid_lines()[:4], valid_lines()[4].rstrip(), *valid_lines()[5:]]),
        [(5, "has 42 characters; BgMax records have 80")],
    ),
    "numeric amount": (
        lambda: replaced(3, 50, "12x"),
        [(3, "Positions 38-55 (amount) must be digits"), (12, "deposit amount")],
    ),
    "currency": (lambda: replaced(2, 23, "EUR"), [(2, "currency is EUR")]),
    "transaction code": (
        lambda: replaced(10, 1, "99"),
        [(10, "Transaction code 99")],
    ),
    "orphan name record": (
        lambda: encode(
            [*valid_lines()[:2], valid_lines()[3], *valid_lines()[2:3], *valid_lines()[4:]]
        ),
        [(3, "must follow a payment (20)")],
    ),
    "deposit count": (
        lambda: replaced(12, 72, "00000004"),
        [(12, "counts 4 payments and deductions; the section has 3")],
    ),
    "deposit total": (
        lambda: replaced(12, 51, f"{150000:018d}"),
        [(12, "1500.00 kr; the payments less deductions in the section add up to 1499.00 kr")],
    ),
    "deposit date": (lambda: replaced(12, 38, "20271314"), [(12, "20271314 is not a valid date")]),
    "reference code": (lambda: replaced(3, 56, "7"), [(3, "Reference code 7")]),
    "end record counts": (
        lambda: replaced(21, 3, "00000005" + "00000000"),
        [(21, "counts 5 payment records (20); the file has 4"), (21, "deduction records")],
    ),
    "missing end record": (
        lambda: encode(valid_lines()[:-1]),
        [(20, "no end record (70)")],
    ),
    "records after the end": (
        lambda: encode([*valid_lines(), valid_lines()[1]]),
        [(22, "follow the end record")],
    ),
    "payment outside a section": (
        lambda: encode([*valid_lines()[:12], *valid_lines()[13:]]),
        [
            (13, "Record 20 must lie between an opening record (05)"),
            (20, "counts 4 payment records (20); the file has 2"),
            (20, "counts 3 extra reference records (22, 23); the file has 0"),
            (20, "counts 2 deposit records (15); the file has 1"),
        ],
    ),
    "deposit record missing": (
        lambda: encode([*valid_lines()[:11], *valid_lines()[12:]]),
        [
            (12, "An opening record (05) before the deposit record (15)"),
            (20, "counts 2 deposit records (15); the file has 1"),
        ],
    ),
    "empty file": (lambda: b"", [(1, "The file is empty")]),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_is_refused_with_each_problem_and_its_line(case):
    """One error names every problem, by line, in file order; nothing is returned."""
    make, expected = BAD_FILES[case]
    found = problems(make())
    assert [line for line, _reason in found] == [line for line, _text in expected], found
    for (_line, reason), (_expected_line, text) in zip(found, expected, strict=True):
        assert text in reason


def test_error_lists_every_problem_in_one_message_with_translatable_reasons():
    """Several problems in one file come back together, each as "Line N: reason"."""
    data = encode(
        [
            valid_lines()[0],
            valid_lines()[1][:50],
            *valid_lines()[2:9],
            valid_lines()[9][:2] + "x" * 78,
            *valid_lines()[10:],
        ]
    )
    data = data.replace(b"SEK00000003", b"SEK00000009")
    with pytest.raises(BgMaxError) as caught:
        bgmax.parse(data)
    error = caught.value
    assert [problem.line for problem in error.problems] == [2, 12]
    assert all(isinstance(problem.reason, LazyString) for problem in error.problems)
    assert str(error).splitlines()[0].startswith("Line 2: The record has 50 characters")
    assert "Line 12: The deposit record counts 9" in str(error)
