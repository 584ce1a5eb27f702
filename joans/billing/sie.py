"""SIE 4 for the accountant: one verification per invoice, credit note, payment and reminder fee.

The layout is SIE-gruppen's "SIE filformat, version 4B" (2008-09-30): one record per line,
a label (#VER) followed by fields separated by spaces; texts in quotes; amounts with a decimal
point, debit positive and credit negative; dates as YYYYMMDD; the rows of a verification inside
braces. #FORMAT PC8 says the file is in IBM PC 8-bit ASCII, code page 437, and each line ends
in CR LF.

Account numbers default to BAS 2014 (the chart #KPTYP names) and are configurable through
:class:`Accounts`. Every verification must balance; :func:`write` refuses one that does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

ENCODING = "cp437"
ORE = Decimal("0.01")
# SIE 4B 5.7: a field holds no control characters (ASCII 0-31 and 127).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def round_ore(amount: Decimal) -> Decimal:
    """``amount`` rounded to whole öre, halves away from zero."""
    return Decimal(amount).quantize(ORE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Company:
    """Who the books belong to (#FNAMN, #ORGNR) and the financial year exported (#RAR 0)."""

    name: str
    organisation_number: str
    year_start: date
    year_end: date


@dataclass(frozen=True)
class Transaction:
    """One row of a verification: an account and an amount, debit positive, credit negative."""

    account: str
    amount: Decimal
    text: str = ""


@dataclass(frozen=True)
class Verification:
    """One bookkeeping entry (#VER) with its rows (#TRANS)."""

    series: str
    number: int
    date: date
    text: str
    transactions: tuple[Transaction, ...]

    @property
    def balance(self) -> Decimal:
        """The sum of the rows in öre precision; zero when the verification balances."""
        return sum((round_ore(row.amount) for row in self.transactions), Decimal("0.00"))


# BAS 2014 account names, for the #KONTO records of the accounts the defaults use.
BAS_NAMES = {
    "1510": "Kundfordringar",
    "1930": "Företagskonto/checkkonto/affärskonto",
    "2611": "Utgående moms på försäljning inom Sverige, 25 %",
    "2621": "Utgående moms på försäljning inom Sverige, 12 %",
    "2631": "Utgående moms på försäljning inom Sverige, 6 %",
    "3001": "Försäljning inom Sverige, 25 % moms",
    "3002": "Försäljning inom Sverige, 12 % moms",
    "3003": "Försäljning inom Sverige, 6 % moms",
    "3590": "Övriga fakturerade kostnader",
}


@dataclass(frozen=True)
class Accounts:
    """The accounts the verifications use; BAS 2014 by default."""

    receivables: str = "1510"
    bank: str = "1930"
    # BAS has no account for reminder fees (group 39 goes from 3925 to 3940, no 3930);
    # a reminder fee is a cost charged on to the customer, so it goes with group 35,
    # "Fakturerade kostnader", on 3590 "Övriga fakturerade kostnader". It carries no VAT:
    # it is compensation under lagen (1981:739), not payment for a supply.
    reminder_fees: str = "3590"
    sales: Mapping[int, str] = field(default_factory=lambda: {25: "3001", 12: "3002", 6: "3003"})
    output_vat: Mapping[int, str] = field(
        default_factory=lambda: {25: "2611", 12: "2621", 6: "2631"}
    )
    names: Mapping[str, str] = field(default_factory=lambda: dict(BAS_NAMES))

    def sales_account(self, rate: int) -> str:
        """The sales account for VAT ``rate`` percent."""
        return self._by_rate(self.sales, rate)

    def output_vat_account(self, rate: int) -> str:
        """The output VAT account for VAT ``rate`` percent."""
        return self._by_rate(self.output_vat, rate)

    @staticmethod
    def _by_rate(accounts: Mapping[int, str], rate: int) -> str:
        if rate not in accounts:
            raise SieError(_l("No account is set for VAT at %(rate)d %%.", rate=rate))
        return accounts[rate]


@dataclass(frozen=True)
class VatAmounts:
    """What an invoice charges at one VAT rate: the net amount and the VAT on it."""

    rate: int
    net: Decimal
    vat: Decimal


class SieError(ValueError):
    """The export cannot be written; ``args[0]`` says why, translatable."""


# --- Verifications for billing events ---------------------------------------------------------


def invoice_verification(
    number: int,
    day: date,
    text: str,
    amounts: Sequence[VatAmounts],
    accounts: Accounts | None = None,
    series: str = "F",
) -> Verification:
    """An invoice: debit receivables with the total, credit sales and output VAT per rate."""
    accounts = accounts or Accounts()
    rows = [Transaction(accounts.receivables, sum_amounts(amounts))]
    for part in amounts:
        rows.append(Transaction(accounts.sales_account(part.rate), -round_ore(part.net)))
        if round_ore(part.vat):
            rows.append(Transaction(accounts.output_vat_account(part.rate), -round_ore(part.vat)))
    return Verification(series, number, day, text, tuple(rows))


def credit_note_verification(
    number: int,
    day: date,
    text: str,
    amounts: Sequence[VatAmounts],
    accounts: Accounts | None = None,
    series: str = "F",
) -> Verification:
    """A credit note: the invoice's verification reversed, row by row.

    ``amounts`` are what the credit note cancels, as positive numbers, as on the invoice.
    """
    invoice = invoice_verification(number, day, text, amounts, accounts, series)
    rows = tuple(Transaction(row.account, -row.amount, row.text) for row in invoice.transactions)
    return Verification(series, number, day, text, rows)


def payment_verification(
    number: int,
    day: date,
    text: str,
    amount: Decimal,
    accounts: Accounts | None = None,
    series: str = "B",
) -> Verification:
    """A payment received: debit the bank, credit receivables."""
    accounts = accounts or Accounts()
    amount = round_ore(amount)
    rows = (Transaction(accounts.bank, amount), Transaction(accounts.receivables, -amount))
    return Verification(series, number, day, text, rows)


def reminder_fee_verification(
    number: int,
    day: date,
    text: str,
    fee: Decimal,
    accounts: Accounts | None = None,
    series: str = "P",
) -> Verification:
    """A reminder fee charged: debit receivables, credit the reminder fee account, no VAT."""
    accounts = accounts or Accounts()
    fee = round_ore(fee)
    rows = (Transaction(accounts.receivables, fee), Transaction(accounts.reminder_fees, -fee))
    return Verification(series, number, day, text, rows)


def sum_amounts(amounts: Sequence[VatAmounts]) -> Decimal:
    """The total of ``amounts``: every net and VAT amount, each rounded to öre."""
    return sum((round_ore(part.net) + round_ore(part.vat) for part in amounts), Decimal("0.00"))


# --- The file ---------------------------------------------------------------------------------


def write(
    company: Company,
    verifications: Sequence[Verification],
    generated: date,
    accounts: Accounts | None = None,
    program: tuple[str, str] = ("joans", "1.0"),
) -> bytes:
    """The SIE 4 file, in code page 437 with CR LF; SieError if a verification is wrong."""
    accounts = accounts or Accounts()
    for verification in verifications:
        _check(verification)
    used = sorted({row.account for v in verifications for row in v.transactions})
    lines = [
        # SIE 4B 5.2: #FLAGGA comes first; 0 says the file has not been read in yet.
        "#FLAGGA 0",
        f"#PROGRAM {_quote(program[0])} {_quote(program[1])}",
        "#FORMAT PC8",
        f"#GEN {generated:%Y%m%d}",
        "#SIETYP 4",
        f"#ORGNR {company.organisation_number}",
        f"#FNAMN {_quote(company.name)}",
        # Year 0 is the current financial year.
        f"#RAR 0 {company.year_start:%Y%m%d} {company.year_end:%Y%m%d}",
        "#KPTYP BAS2014",
    ]
    lines += [
        f"#KONTO {account} {_quote(accounts.names.get(account, account))}" for account in used
    ]
    for verification in verifications:
        lines.append(
            f"#VER {_quote(verification.series)} {verification.number} "
            f"{verification.date:%Y%m%d} {_quote(verification.text)}"
        )
        lines.append("{")
        for row in verification.transactions:
            text = f" {_quote(row.text)}" if row.text else ""
            # The object list is required, even empty; the row date is the verification's.
            lines.append(
                f"#TRANS {row.account} {{}} {round_ore(row.amount)} "
                f"{verification.date:%Y%m%d}{text}"
            )
        lines.append("}")
    return "".join(f"{line}\r\n" for line in lines).encode(ENCODING, errors="replace")


def _check(verification: Verification) -> None:
    name = f"{verification.series} {verification.number}"
    if len(verification.transactions) < 2:
        raise SieError(_l("Verification %(name)s needs at least two rows.", name=name))
    for row in verification.transactions:
        if not (row.account.isdigit() and len(row.account) == 4):
            raise SieError(
                _l(
                    "Verification %(name)s books on %(account)s, which is not a four-digit "
                    "account number.",
                    name=name,
                    account=row.account,
                )
            )
    if verification.balance:
        raise SieError(
            _l(
                "Verification %(name)s does not balance: its rows add up to %(sum)s kr.",
                name=name,
                sum=verification.balance,
            )
        )


def _quote(text: str) -> str:
    """A text field: in quotes, a quote inside escaped with a backslash (SIE 4B 5.7).

    The format has no escape for a backslash itself, so one becomes a slash rather than
    escaping the closing quote; control characters become spaces.
    """
    cleaned = CONTROL_CHARACTERS.sub(" ", text).replace("\\", "/").replace('"', '\\"')
    return f'"{cleaned}"'
