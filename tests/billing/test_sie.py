"""The SIE 4 export: code page 437, CR LF, one balanced verification per billing event."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from joans.billing import sie
from joans.billing.sie import Accounts, Company, SieError, Transaction, VatAmounts, Verification
from tests.billing import sie_reader

COMPANY = Company("Joans Webbyrå AB", "556677-8899", date(2027, 1, 1), date(2027, 12, 31))

# Three invoices as the billing service would hand them over: (net, VAT) per rate.
INVOICES = {
    1001: {25: (Decimal("1000.00"), Decimal("250.00"))},
    1002: {25: (Decimal("399.20"), Decimal("99.80")), 12: (Decimal("100.00"), Decimal("12.00"))},
    1003: {6: (Decimal("50.00"), Decimal("3.00")), 25: (Decimal("80.00"), Decimal("20.00"))},
}


def amounts(invoice: int) -> list[VatAmounts]:
    return [VatAmounts(rate, net, vat) for rate, (net, vat) in INVOICES[invoice].items()]


def events() -> list[Verification]:
    """Three invoices, a credit note for the third, two payments and a reminder fee."""
    return [
        sie.invoice_verification(1001, date(2027, 1, 10), "Faktura 1001", amounts(1001)),
        sie.invoice_verification(1002, date(2027, 1, 11), "Faktura 1002", amounts(1002)),
        sie.invoice_verification(1003, date(2027, 1, 12), "Faktura 1003", amounts(1003)),
        sie.credit_note_verification(1004, date(2027, 1, 13), "Kredit 1004", amounts(1003)),
        sie.payment_verification(1, date(2027, 2, 1), "Betalning 1001", Decimal("1250.00")),
        sie.payment_verification(2, date(2027, 2, 3), "Betalning 1002", Decimal("300.00")),
        sie.reminder_fee_verification(1, date(2027, 2, 20), "Påminnelse 1002", Decimal("60")),
    ]


def written() -> bytes:
    return sie.write(COMPANY, events(), generated=date(2027, 3, 1))


def test_the_file_is_code_page_437_with_cr_lf_and_the_sie_4_header():
    """PC8 means code page 437 (å is byte 0x86), every line ends CR LF, #FLAGGA comes first."""
    data = written()
    assert "Joans Webbyrå AB".encode("cp437") in data
    assert b"\x86" in data and "å".encode() not in data
    parsed = sie_reader.read(data)
    assert parsed.labels[0] == ("#FLAGGA", ["0"])
    assert parsed.first("#FORMAT") == ["PC8"]
    assert parsed.first("#SIETYP") == ["4"]
    assert parsed.first("#GEN") == ["20270301"]
    assert parsed.first("#FNAMN") == ["Joans Webbyrå AB"]
    assert parsed.first("#ORGNR") == ["556677-8899"]
    assert parsed.first("#RAR") == ["0", "20270101", "20271231"]
    assert parsed.first("#KPTYP") == ["BAS2014"]


def test_every_verification_read_back_balances():
    """Read back independently, each #VER's rows add up to zero."""
    parsed = sie_reader.read(written())
    assert len(parsed.entries) == 7
    for entry in parsed.entries:
        assert sum(row.amount for row in entry.rows) == 0, entry
        assert all(row.objects == "{}" for row in entry.rows)


def test_sums_per_account_match_the_invoices_payments_and_fee():
    """Per account, the file holds what the invoices, credit note, payments and fee say."""
    per_account = defaultdict(Decimal)
    for entry in sie_reader.read(written()).entries:
        for row in entry.rows:
            per_account[row.account] += row.amount
    total = {n: sum(net + vat for net, vat in rates.values()) for n, rates in INVOICES.items()}
    # Invoice 1003 is credited in full, so only 1001 and 1002 remain as sales.
    assert per_account["3001"] == -(Decimal("1000.00") + Decimal("399.20"))
    assert per_account["2611"] == -(Decimal("250.00") + Decimal("99.80"))
    assert per_account["3002"] == Decimal("-100.00")
    assert per_account["2621"] == Decimal("-12.00")
    assert per_account["3003"] == 0 and per_account["2631"] == 0
    assert per_account["1930"] == Decimal("1550.00")
    assert per_account["3590"] == Decimal("-60.00")
    receivable = total[1001] + total[1002] - Decimal("1550.00") + Decimal("60.00")
    assert per_account["1510"] == receivable


def test_verifications_carry_series_number_date_and_text():
    """Invoices and credit notes share series F, payments B, reminder fees P."""
    entries = sie_reader.read(written()).entries
    assert [(e.series, e.number, e.date, e.text) for e in entries][3:5] == [
        ("F", "1004", "20270113", "Kredit 1004"),
        ("B", "1", "20270201", "Betalning 1001"),
    ]
    assert entries[-1].series == "P"
    credit = {row.account: row.amount for row in entries[3].rows}
    assert credit == {
        "1510": Decimal("-153.00"),
        "3003": Decimal("50.00"),
        "2631": Decimal("3.00"),
        "3001": Decimal("80.00"),
        "2611": Decimal("20.00"),
    }


def test_a_konto_record_names_every_account_used():
    """#KONTO lists each account the rows use, once, with its BAS name."""
    parsed = sie_reader.read(written())
    konto = {fields[0]: fields[1] for fields in parsed.all("#KONTO")}
    used = {row.account for entry in parsed.entries for row in entry.rows}
    assert set(konto) == used
    assert konto["1510"] == "Kundfordringar"
    assert konto["2611"] == "Utgående moms på försäljning inom Sverige, 25 %"


def test_configured_accounts_are_used():
    """Accounts are settings: another receivables, bank and reminder-fee account appear."""
    accounts = Accounts(receivables="1511", bank="1940", reminder_fees="3990", names={})
    verifications = [
        sie.invoice_verification(7, date(2027, 1, 1), "Faktura 7", amounts(1001), accounts),
        sie.payment_verification(8, date(2027, 1, 2), "Betalning", Decimal("5"), accounts),
        sie.reminder_fee_verification(9, date(2027, 1, 3), "Avgift", Decimal("60"), accounts),
    ]
    parsed = sie_reader.read(sie.write(COMPANY, verifications, date(2027, 1, 4), accounts))
    used = {row.account for entry in parsed.entries for row in entry.rows}
    assert used == {"1511", "1940", "3990", "3001", "2611"}
    # An account without a name in the settings is named by its number.
    assert ["1511", "1511"] in parsed.all("#KONTO")


def test_quotes_and_backslashes_in_texts_survive_the_round_trip():
    """A quote inside a text is escaped; a backslash cannot end a field early."""
    company = Company('Bolaget "Bästa" AB', "556677-8899", date(2027, 1, 1), date(2027, 12, 31))
    verification = sie.payment_verification(1, date(2027, 1, 5), 'Betalt "snabbt" \\', Decimal(1))
    parsed = sie_reader.read(sie.write(company, [verification], date(2027, 1, 6)))
    assert parsed.first("#FNAMN") == ['Bolaget "Bästa" AB']
    assert parsed.entries[0].text == 'Betalt "snabbt" /'


def test_amounts_are_rounded_half_up_to_ore():
    """0.005 kr becomes 0.01 kr, on every row, and the verification still balances."""
    verification = sie.invoice_verification(
        1, date(2027, 1, 1), "Faktura", [VatAmounts(25, Decimal("0.125"), Decimal("0.035"))]
    )
    assert [row.amount for row in verification.transactions] == [
        Decimal("0.17"),
        Decimal("-0.13"),
        Decimal("-0.04"),
    ]
    rows = sie_reader.read(sie.write(COMPANY, [verification], date(2027, 1, 1))).entries[0].rows
    assert [row.amount for row in rows] == [Decimal("0.17"), Decimal("-0.13"), Decimal("-0.04")]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            (Transaction("1510", Decimal("100")), Transaction("3001", Decimal("-99.99"))),
            "does not balance: its rows add up to 0.01 kr",
        ),
        ((Transaction("1510", Decimal("0")),), "needs at least two rows"),
        (
            (Transaction("15100", Decimal("1")), Transaction("3001", Decimal("-1"))),
            "15100, which is not a four-digit account",
        ),
    ],
)
def test_a_wrong_verification_is_refused_and_nothing_is_written(rows, message):
    """The writer refuses the whole export when one verification is wrong."""
    good = sie.payment_verification(1, date(2027, 1, 1), "Betalning", Decimal("10"))
    bad = Verification("F", 2, date(2027, 1, 1), "Fel", rows)
    with pytest.raises(SieError) as caught:
        sie.write(COMPANY, [good, bad], date(2027, 1, 1))
    assert "Verification F 2" in str(caught.value.args[0])
    assert message in str(caught.value.args[0])


def test_a_vat_rate_without_an_account_is_refused():
    """An invoice at a rate the settings give no account for cannot be booked."""
    with pytest.raises(SieError) as caught:
        sie.invoice_verification(1, date(2027, 1, 1), "x", [VatAmounts(18, Decimal(1), Decimal(0))])
    assert "18 %" in str(caught.value.args[0])
