"""Bankgirot's BgMax payment file: read it whole or refuse it, and write one for tests.

The layout is Bankgirot's "Bankgiro Inbetalningar, Teknisk manual", section 3 (post- och
filbeskrivning för BgMax-filen): fixed records of 80 characters in ISO 8859-1, each starting
with a two-digit transaction code. A file is a start record (01), one section per deposit (an
opening record 05, payments 20 and deductions 21 with their extra references 22/23,
information 25, name 26, addresses 27/28 and organisation number 29, and a deposit record 15),
and an end record (70) that counts them. Positions below are the manual's, 1-based and inclusive.

:func:`parse` returns every deposit and payment, or raises one :class:`BgMaxError` that lists
each problem with its line number: nothing is ever returned half read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

RECORD_LENGTH = 80
ENCODING = "iso-8859-1"
LAYOUT_NAME = "BGMAX"
LAYOUT_VERSION = "01"
# Bankgirot has handled only kronor since 31 October 2016 (manual, "Valuta").
CURRENCY = "SEK"
ORE = Decimal("0.01")


class ReferenceKind(StrEnum):
    """What the reference of a payment is, from its reference code (position 56)."""

    NONE = "none"  # codes 0 and 1: the payer gave no reference
    OCR = "ocr"  # code 2: an OCR reference that passed Bankgirot's check
    OTHER = "other"  # codes 3, 4 (free text, one or more) and 5 (failed the OCR check)


REFERENCE_KINDS = {
    0: ReferenceKind.NONE,
    1: ReferenceKind.NONE,
    2: ReferenceKind.OCR,
    3: ReferenceKind.OTHER,
    4: ReferenceKind.OTHER,
    5: ReferenceKind.OTHER,
}


@dataclass(frozen=True)
class ExtraReference:
    """An extra reference record (22, or 23 with a negative amount) under a payment."""

    reference: str
    amount: Decimal
    reference_code: int

    @property
    def reference_kind(self) -> ReferenceKind:
        """OCR, other or none, from the reference code."""
        return REFERENCE_KINDS[self.reference_code]


@dataclass(frozen=True)
class Payment:
    """A payment (record 20) or a deduction (record 21, negative amount) and what follows it."""

    line: int
    amount: Decimal
    reference: str
    reference_code: int
    payment_date: date
    payee_bankgiro: str
    deposit_serial: str
    bgc_serial: str
    channel: int
    image: bool
    sender_bankgiro: str | None = None
    deduction_code: int | None = None
    extra_references: tuple[ExtraReference, ...] = ()
    information: tuple[str, ...] = ()
    payer_name: str | None = None
    payer_extra_name: str | None = None
    payer_street: str | None = None
    payer_postal_code: str | None = None
    payer_city: str | None = None
    payer_country: str | None = None
    payer_country_code: str | None = None
    payer_organisation_number: str | None = None

    @property
    def is_deduction(self) -> bool:
        """A deduction the payer made (record 21), e.g. for a credit note."""
        return self.deduction_code is not None

    @property
    def reference_kind(self) -> ReferenceKind:
        """OCR, other or none, from the reference code."""
        return REFERENCE_KINDS[self.reference_code]


@dataclass(frozen=True)
class Deposit:
    """One deposit on the payee's bank account (record 15) and the payments it sums."""

    line: int
    payee_bankgiro: str
    bank_account: str
    payment_date: date
    serial: str
    total: Decimal
    deposit_type: str
    payments: tuple[Payment, ...]


@dataclass(frozen=True)
class BgMaxFile:
    """A whole BgMax file, checked."""

    timestamp: datetime
    test: bool
    deposits: tuple[Deposit, ...]
    # The start record's timestamp as written, to microseconds: part of the identity.
    raw_timestamp: str

    @property
    def payments(self) -> list[Payment]:
        """Every payment and deduction, in file order."""
        return [payment for deposit in self.deposits for payment in deposit.payments]

    @property
    def identity(self) -> str:
        """A key that is the same for every copy of this file, to refuse a second import.

        Bankgirot stamps each file to the microsecond and numbers each deposit per payee, so
        the timestamp with the payee bankgiro numbers and deposit serials names the file.
        """
        parts = [LAYOUT_NAME, self.raw_timestamp, "T" if self.test else "P"]
        parts += [f"{d.payee_bankgiro}:{d.payment_date:%Y%m%d}:{d.serial}" for d in self.deposits]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: the line it is on and why, translatable."""

    line: int
    reason: LazyString

    def __str__(self) -> str:
        return str(_l("Line %(line)d: %(reason)s", line=self.line, reason=self.reason))


class BgMaxError(ValueError):
    """The file is refused; ``problems`` lists every problem found, by line."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def parse(data: bytes) -> BgMaxFile:
    """The file's deposits and payments; raises BgMaxError listing every problem found."""
    return _Reader(data).read()


# --- Reading -----------------------------------------------------------------------------------


def _field(text: str, start: int, end: int) -> str:
    """Positions ``start`` to ``end`` of a record, as the manual numbers them (1-based)."""
    return text[start - 1 : end]


@dataclass
class _PendingPayment:
    line: int
    ore: int
    reference: str
    reference_code: int
    sender_bankgiro: str | None
    bgc_serial: str
    channel: int
    image: bool
    deduction_code: int | None
    extra_references: list[ExtraReference] = field(default_factory=list)
    information: list[str] = field(default_factory=list)
    payer: dict[str, str | None] = field(default_factory=dict)


@dataclass
class _Section:
    line: int
    payee_bankgiro: str
    payments: list[_PendingPayment] = field(default_factory=list)


class _Reader:
    """Reads records in order, keeping every problem instead of stopping at the first."""

    def __init__(self, data: bytes):
        self.data = data
        self.problems: list[Problem] = []
        self.section: _Section | None = None
        self.payment: _PendingPayment | None = None
        self.deposits: list[Deposit] = []
        self.counts = {"20": 0, "21": 0, "extra": 0, "15": 0}
        self.start: tuple[datetime, str, bool] | None = None
        self.ended = False
        # After one record outside a section, the rest of that run says nothing new.
        self.orphaned = False

    def problem(self, line: int, reason: LazyString) -> None:
        self.problems.append(Problem(line, reason))

    def read(self) -> BgMaxFile:
        records = self.records()
        if not records:
            self.problem(1, _l("The file is empty."))
        for number, text in records:
            self.record(number, text)
        last = records[-1][0] if records else 1
        if records and self.section is not None:
            self.problem(
                self.section.line, _l("The section opened here has no deposit record (15).")
            )
        if records and not self.ended:
            self.problem(last, _l("The file has no end record (70)."))
        if self.problems or self.start is None:
            raise BgMaxError(sorted(self.problems, key=lambda problem: problem.line))
        timestamp, raw_timestamp, test = self.start
        return BgMaxFile(timestamp, test, tuple(self.deposits), raw_timestamp)

    def records(self) -> list[tuple[int, str]]:
        # ISO 8859-1 maps every byte, so decoding cannot fail; lines may end in CR LF or LF.
        lines = self.data.decode(ENCODING).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        records = []
        for number, line in enumerate(lines, start=1):
            text = line.removesuffix("\r")
            if len(text) != RECORD_LENGTH:
                self.problem(
                    number,
                    _l(
                        "The record has %(length)d characters; BgMax records have %(expected)d.",
                        length=len(text),
                        expected=RECORD_LENGTH,
                    ),
                )
            records.append((number, text.ljust(RECORD_LENGTH)[:RECORD_LENGTH]))
        return records

    def record(self, line: int, text: str) -> None:
        code = text[:2]
        if line == 1:
            self.start_record(line, text)
            return
        if self.ended:
            self.problem(line, _l("Records follow the end record (70)."))
            return
        handlers = {
            "01": self.repeated_start,
            "05": self.opening,
            "20": self.payment_record,
            "21": self.payment_record,
            "22": self.extra_reference,
            "23": self.extra_reference,
            "25": self.information,
            "26": self.name,
            "27": self.address,
            "28": self.address,
            "29": self.organisation_number,
            "15": self.deposit,
            "70": self.end,
        }
        handler = handlers.get(code)
        if handler is None:
            self.problem(
                line,
                _l("Transaction code %(code)s is not part of the BgMax layout.", code=code),
            )
            return
        handler(line, text)

    # Fields ------------------------------------------------------------------------------------

    def digits(self, line: int, text: str, start: int, end: int, label: LazyString) -> str:
        value = _field(text, start, end)
        if not value.isdigit() or not value.isascii():
            self.problem(
                line,
                _l(
                    "Positions %(start)d-%(end)d (%(field)s) must be digits.",
                    start=start,
                    end=end,
                    field=label,
                ),
            )
            return "0" * (end - start + 1)
        return value

    def day(self, line: int, text: str, start: int, label: LazyString) -> date:
        value = self.digits(line, text, start, start + 7, label)
        try:
            return datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            if value != "0" * 8:
                self.problem(line, _l("%(value)s is not a valid date.", value=value))
            return date.min

    def currency(self, line: int, text: str, start: int) -> None:
        value = _field(text, start, start + 2)
        if value != CURRENCY:
            self.problem(
                line,
                _l(
                    "The currency is %(currency)s; Bankgirot reports only SEK.",
                    currency=value.strip() or "-",
                ),
            )

    # Records -----------------------------------------------------------------------------------

    def start_record(self, line: int, text: str) -> None:
        # 01: layout name 3-22, version 23-24, timestamp 25-44 (to microseconds), test mark 45.
        if text[:2] != "01":
            self.problem(
                line, _l("The first record must be a start record (01) of the layout BGMAX.")
            )
            return
        layout = _field(text, 3, 22).strip()
        if layout != LAYOUT_NAME:
            self.problem(
                line, _l("The layout is %(layout)s; only BGMAX can be read.", layout=layout)
            )
        version = _field(text, 23, 24)
        if version != LAYOUT_VERSION:
            self.problem(
                line,
                _l(
                    "Layout version %(version)s cannot be read; this reader knows %(known)s.",
                    version=version,
                    known=LAYOUT_VERSION,
                ),
            )
        raw = self.digits(line, text, 25, 44, _l("timestamp"))
        try:
            timestamp = datetime.strptime(raw, "%Y%m%d%H%M%S%f")
        except ValueError:
            self.problem(line, _l("%(value)s is not a valid date and time.", value=raw))
            timestamp = datetime.min
        mark = _field(text, 45, 45)
        if mark not in ("T", "P"):
            self.problem(line, _l("The test marker must be T (test) or P (production)."))
        self.start = (timestamp, raw, mark == "T")

    def repeated_start(self, line: int, text: str) -> None:
        self.problem(line, _l("A second start record (01)."))

    def opening(self, line: int, text: str) -> None:
        # 05: payee bankgiro 3-12, payee plusgiro 13-22 (blank), currency 23-25.
        if self.section is not None:
            self.problem(
                line,
                _l("An opening record (05) before the deposit record (15) of the last section."),
            )
        bankgiro = self.digits(line, text, 3, 12, _l("payee bankgiro number"))
        self.currency(line, text, 23)
        self.section = _Section(line, bankgiro.lstrip("0"))
        self.payment = None
        self.orphaned = False

    def in_section(self, line: int, code: str) -> bool:
        if self.section is None:
            if self.orphaned:
                return False
            self.orphaned = True
            self.problem(
                line,
                _l(
                    "Record %(code)s must lie between an opening record (05) "
                    "and a deposit record (15).",
                    code=code,
                ),
            )
            return False
        return True

    def payment_record(self, line: int, text: str) -> None:
        # 20 and 21: sender bankgiro 3-12, reference 13-37, amount in öre 38-55, reference
        # code 56, payment channel 57, BGC serial number 58-69, image marker 70; a deduction
        # (21) adds its deduction code at 71.
        code = text[:2]
        if not self.in_section(line, code):
            return
        self.counts[code] += 1
        sender = self.digits(line, text, 3, 12, _l("sender bankgiro number")).lstrip("0")
        ore = int(self.digits(line, text, 38, 55, _l("amount")))
        reference_code = self.reference_code(line, text)
        channel = int(self.digits(line, text, 57, 57, _l("payment channel code")))
        serial = self.digits(line, text, 58, 69, _l("BGC serial number"))
        image = self.digits(line, text, 70, 70, _l("image marker")) == "1"
        deduction_code = None
        if code == "21":
            deduction_code = int(self.digits(line, text, 71, 71, _l("deduction code")))
        self.payment = _PendingPayment(
            line=line,
            ore=-ore if code == "21" else ore,
            reference=_field(text, 13, 37).strip(),
            reference_code=reference_code,
            sender_bankgiro=sender or None,
            bgc_serial=serial,
            channel=channel,
            image=image,
            deduction_code=deduction_code,
        )
        self.section.payments.append(self.payment)

    def reference_code(self, line: int, text: str) -> int:
        value = int(self.digits(line, text, 56, 56, _l("reference code")))
        if value not in REFERENCE_KINDS:
            self.problem(
                line, _l("Reference code %(code)d is not one Bankgirot defines.", code=value)
            )
            return 0
        return value

    def in_payment(self, line: int, code: str) -> bool:
        if not self.in_section(line, code):
            return False
        if self.payment is None:
            self.problem(
                line,
                _l(
                    "Record %(code)s must follow a payment (20) or deduction (21) record.",
                    code=code,
                ),
            )
            return False
        return True

    def extra_reference(self, line: int, text: str) -> None:
        # 22 and 23 have the payment's layout; 23 carries a negative amount.
        code = text[:2]
        if not self.in_payment(line, code):
            return
        self.counts["extra"] += 1
        ore = int(self.digits(line, text, 38, 55, _l("amount")))
        reference_code = self.reference_code(line, text)
        amount = Decimal(-ore if code == "23" else ore) * ORE
        self.payment.extra_references.append(
            ExtraReference(_field(text, 13, 37).strip(), amount, reference_code)
        )

    def information(self, line: int, text: str) -> None:
        # 25: free text 3-52 from the payer.
        if self.in_payment(line, "25"):
            self.payment.information.append(_field(text, 3, 52).strip())

    def name(self, line: int, text: str) -> None:
        # 26: name 3-37, extra name 38-72.
        if self.in_payment(line, "26"):
            self.payment.payer["payer_name"] = _field(text, 3, 37).strip() or None
            self.payment.payer["payer_extra_name"] = _field(text, 38, 72).strip() or None

    def address(self, line: int, text: str) -> None:
        # 27: street 3-37, postal code 38-46; 28: city 3-37, country 38-72, country code 73-74.
        code = text[:2]
        if not self.in_payment(line, code):
            return
        payer = self.payment.payer
        if code == "27":
            payer["payer_street"] = _field(text, 3, 37).strip() or None
            payer["payer_postal_code"] = _field(text, 38, 46).strip() or None
        else:
            payer["payer_city"] = _field(text, 3, 37).strip() or None
            payer["payer_country"] = _field(text, 38, 72).strip() or None
            payer["payer_country_code"] = _field(text, 73, 74).strip() or None

    def organisation_number(self, line: int, text: str) -> None:
        # 29: the payer's organisation or personal identity number 3-14, zero-filled.
        if self.in_payment(line, "29"):
            number = self.digits(line, text, 3, 14, _l("organisation number")).lstrip("0")
            self.payment.payer["payer_organisation_number"] = number or None

    def deposit(self, line: int, text: str) -> None:
        # 15: payee bank account 3-37, payment date 38-45, deposit serial 46-50, deposit amount
        # in öre 51-68, currency 69-71, number of payment and deduction records 72-79, deposit
        # type 80.
        if not self.in_section(line, "15"):
            return
        section = self.section
        self.counts["15"] += 1
        account = self.digits(line, text, 3, 37, _l("bank account")).lstrip("0")
        payment_date = self.day(line, text, 38, _l("payment date"))
        serial = self.digits(line, text, 46, 50, _l("deposit serial number"))
        total = int(self.digits(line, text, 51, 68, _l("deposit amount")))
        self.currency(line, text, 69)
        count = int(self.digits(line, text, 72, 79, _l("number of payments")))
        if count != len(section.payments):
            self.problem(
                line,
                _l(
                    "The deposit record counts %(stated)d payments and deductions; "
                    "the section has %(counted)d.",
                    stated=count,
                    counted=len(section.payments),
                ),
            )
        added = sum(payment.ore for payment in section.payments)
        if total != added:
            self.problem(
                line,
                _l(
                    "The deposit amount is %(stated)s kr; the payments less deductions in "
                    "the section add up to %(counted)s kr.",
                    stated=Decimal(total) * ORE,
                    counted=Decimal(added) * ORE,
                ),
            )
        self.deposits.append(
            Deposit(
                line=line,
                payee_bankgiro=section.payee_bankgiro,
                bank_account=account,
                payment_date=payment_date,
                serial=serial,
                total=Decimal(total) * ORE,
                deposit_type=text[79].strip(),
                payments=tuple(
                    _payment(pending, section, payment_date, serial) for pending in section.payments
                ),
            )
        )
        self.section = None
        self.payment = None

    def end(self, line: int, text: str) -> None:
        # 70: number of payment records 3-10, deduction records 11-18, extra reference
        # records 19-26, deposit records 27-34.
        if self.section is not None:
            self.problem(
                self.section.line, _l("The section opened here has no deposit record (15).")
            )
            self.section = None
        self.ended = True
        checks = (
            (3, "20", _l("payment records (20)")),
            (11, "21", _l("deduction records (21)")),
            (19, "extra", _l("extra reference records (22, 23)")),
            (27, "15", _l("deposit records (15)")),
        )
        for start, key, label in checks:
            stated = int(self.digits(line, text, start, start + 7, label))
            if stated != self.counts[key]:
                self.problem(
                    line,
                    _l(
                        "The end record counts %(stated)d %(what)s; the file has %(counted)d.",
                        stated=stated,
                        what=label,
                        counted=self.counts[key],
                    ),
                )


def _payment(pending: _PendingPayment, section: _Section, day: date, serial: str) -> Payment:
    return Payment(
        line=pending.line,
        amount=Decimal(pending.ore) * ORE,
        reference=pending.reference,
        reference_code=pending.reference_code,
        payment_date=day,
        payee_bankgiro=section.payee_bankgiro,
        deposit_serial=serial,
        bgc_serial=pending.bgc_serial,
        channel=pending.channel,
        image=pending.image,
        sender_bankgiro=pending.sender_bankgiro,
        deduction_code=pending.deduction_code,
        extra_references=tuple(pending.extra_references),
        information=tuple(pending.information),
        **pending.payer,
    )


# --- Writing (tests and benchmarks) ------------------------------------------------------------


@dataclass(frozen=True)
class PaymentSpec:
    """A payment to write; a negative amount is written as a deduction (21)."""

    amount: Decimal
    reference: str = ""
    reference_kind: ReferenceKind = ReferenceKind.OCR
    sender_bankgiro: str | None = None
    payer_name: str | None = None
    payer_organisation_number: str | None = None
    information: tuple[str, ...] = ()


@dataclass(frozen=True)
class DepositSpec:
    """A deposit to write: its payment date, serial number and payments."""

    payment_date: date
    serial: int
    payments: Sequence[PaymentSpec]


def write_file(
    payee_bankgiro: str,
    deposits: Sequence[DepositSpec],
    timestamp: datetime,
    *,
    test: bool = True,
    bank_account: str = "1234567890",
) -> bytes:
    """A valid BgMax file (ISO 8859-1, CR LF) holding ``deposits`` for ``payee_bankgiro``."""
    codes = {ReferenceKind.NONE: 1, ReferenceKind.OCR: 2, ReferenceKind.OTHER: 4}
    bankgiro = _digits_only(payee_bankgiro)
    records = [
        f"01{LAYOUT_NAME:<20}{LAYOUT_VERSION}{timestamp:%Y%m%d%H%M%S%f}{'T' if test else 'P'}"
    ]
    counts = {"20": 0, "21": 0, "15": 0}
    bgc_serial = 0
    for deposit in deposits:
        records.append(f"05{bankgiro:0>10}{'':10}{CURRENCY}")
        total = 0
        for payment in deposit.payments:
            ore = _ore(payment.amount)
            code = "21" if ore < 0 else "20"
            counts[code] += 1
            bgc_serial += 1
            total += ore
            # An OCR reference is numeric and right-aligned, any other reference left-aligned.
            reference = (
                f"{payment.reference:>25}"
                if payment.reference_kind == ReferenceKind.OCR
                else f"{payment.reference:<25}"
            )
            sender = _digits_only(payment.sender_bankgiro or "")
            records.append(
                f"{code}{sender:0>10}{reference}{abs(ore):018d}{codes[payment.reference_kind]}"
                f"1{bgc_serial:012d}0" + ("0" if code == "21" else "")
            )
            records += [f"25{text[:50]:<50}" for text in payment.information]
            if payment.payer_name:
                records.append(f"26{payment.payer_name[:35]:<35}")
            if payment.payer_organisation_number:
                records.append(f"29{_digits_only(payment.payer_organisation_number):0>12}")
        if total < 0:
            raise ValueError("a deposit cannot hold more deductions than payments")
        counts["15"] += 1
        records.append(
            f"15{_digits_only(bank_account):0>35}{deposit.payment_date:%Y%m%d}"
            f"{deposit.serial:05d}{total:018d}{CURRENCY}{len(deposit.payments):08d}"
        )
    records.append(f"70{counts['20']:08d}{counts['21']:08d}{0:08d}{counts['15']:08d}")
    return "".join(f"{record:<{RECORD_LENGTH}}\r\n" for record in records).encode(ENCODING)


def _ore(amount: Decimal) -> int:
    return int(amount.quantize(ORE, rounding=ROUND_HALF_UP) * 100)


def _digits_only(text: str) -> str:
    return "".join(character for character in text if character.isdigit())
