"""E-invoices to the public sector: Peppol BIS Billing 3.0 in UBL 2.1.

Lagen (2018:1277) om elektroniska fakturor till följd av offentlig upphandling makes public
bodies accept invoices that follow EN 16931; in Sweden they arrive over Peppol as BIS Billing
3.0, the UBL 2.1 syntax of EN 16931 with OpenPeppol's rules on top (the PEPPOL-EN16931-R rules
and the Swedish SE-R rules). Element order follows the UBL 2.1 schemas, which require it.

:func:`invoice_xml` and :func:`credit_note_xml` take plain values and return the document as
UTF-8 bytes; the tests validate both against the UBL 2.1 schemas and the CEN and Peppol
Schematron rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree as ET

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CURRENCY = "SEK"
# ISO 6523 ICD 0007: Swedish organisation numbers, in Peppol's EAS list for endpoints too.
SWEDISH_ORGANISATION_NUMBER = "0007"
# UN/ECE Recommendation 20 "C62": one (a unit without a dimension); UNCL 4461 "30": credit
# transfer; UNCL 1001 "380": commercial invoice and "381": credit note; UNCL 5305 "S": standard.
UNIT_ONE = "C62"
CREDIT_TRANSFER = "30"
INVOICE_TYPE = "380"
CREDIT_NOTE_TYPE = "381"
STANDARD_RATE = "S"
# Peppol BIS 3.0, Swedish rules SE-R-005: a Swedish seller approved for F-tax states it as its
# tax registration (BT-32), a PartyTaxScheme that is not VAT, with exactly this text.
F_TAX_TEXT = "Godkänd för F-skatt"
# Peppol BIS 3.0 (SE): a bankgiro account is a credit transfer to this financial institution.
BANKGIRO_BRANCH = "SE:BANKGIRO"
ORE = Decimal("0.01")

ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)


@dataclass(frozen=True)
class Party:
    """A seller or a buyer: its Swedish organisation number is its Peppol address."""

    name: str
    organisation_number: str
    street: str
    postal_code: str
    city: str
    vat_number: str | None = None
    email: str | None = None
    country: str = "SE"

    @property
    def endpoint(self) -> str:
        """The organisation number as Peppol writes it under scheme 0007: ten digits."""
        return "".join(character for character in self.organisation_number if character.isdigit())


@dataclass(frozen=True)
class Line:
    """An invoice line: what, how many, the net unit price, the VAT rate and the period."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: int
    period_start: date | None = None
    period_end: date | None = None

    @property
    def net(self) -> Decimal:
        """Quantity times unit price, rounded half up to öre."""
        return _ore(self.quantity * self.unit_price)


@dataclass(frozen=True)
class Document:
    """An invoice or credit note as Peppol needs it.

    ``buyer_reference`` is the public body's reference (BT-10), which its invoice reception
    routes by; a credit note names the invoice it credits in ``credited_invoice``.
    """

    number: str
    issue_date: date
    seller: Party
    buyer: Party
    buyer_reference: str
    lines: Sequence[Line]
    bankgiro: str
    due_date: date | None = None
    ocr: str | None = None
    f_tax: bool = True
    registered_office: str | None = None
    payment_terms: str | None = None
    credited_invoice: tuple[str, date] | None = None


@dataclass(frozen=True)
class VatBreakdown:
    """The taxable amount and VAT at one rate (BG-23)."""

    rate: int
    taxable: Decimal
    vat: Decimal


def vat_breakdown(lines: Sequence[Line]) -> list[VatBreakdown]:
    """Per rate, highest first: the lines' net amounts and the VAT on their sum, rounded once.

    EN 16931 BR-CO-17 computes each rate's VAT from the rate's taxable amount, as the
    invoice PDF does.
    """
    taxable: dict[int, Decimal] = {}
    for line in lines:
        taxable[line.vat_rate] = taxable.get(line.vat_rate, Decimal("0.00")) + line.net
    return [
        VatBreakdown(rate, amount, _ore(amount * rate / 100))
        for rate, amount in sorted(taxable.items(), reverse=True)
    ]


def invoice_xml(document: Document) -> bytes:
    """The invoice as Peppol BIS Billing 3.0 UBL."""
    return _document(document, credit_note=False)


def credit_note_xml(document: Document) -> bytes:
    """The credit note as Peppol BIS Billing 3.0 UBL; amounts are positive, as on paper."""
    if document.credited_invoice is None:
        raise ValueError("a credit note names the invoice it credits")
    return _document(document, credit_note=True)


# --- Building -----------------------------------------------------------------------------------


def _cbc(parent: ET.Element, tag: str, text: object, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CBC}}}{tag}", attributes)
    element.text = str(text)
    return element


def _cac(parent: ET.Element, tag: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{CAC}}}{tag}")


def _amount(parent: ET.Element, name: str, amount: Decimal) -> None:
    _cbc(parent, name, _ore(amount), currencyID=CURRENCY)


def _document(document: Document, *, credit_note: bool) -> bytes:
    namespace = CREDIT_NOTE_NS if credit_note else INVOICE_NS
    # The root in the document's default namespace, as Peppol's examples write it; every
    # other element is cac: or cbc:. (ElementTree's default_namespace refuses plain attributes.)
    root = ET.Element("CreditNote" if credit_note else "Invoice", xmlns=namespace)
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", document.number)
    _cbc(root, "IssueDate", document.issue_date.isoformat())
    if credit_note:
        _cbc(root, "CreditNoteTypeCode", CREDIT_NOTE_TYPE)
    else:
        if document.due_date:
            _cbc(root, "DueDate", document.due_date.isoformat())
        _cbc(root, "InvoiceTypeCode", INVOICE_TYPE)
    _cbc(root, "DocumentCurrencyCode", CURRENCY)
    _cbc(root, "BuyerReference", document.buyer_reference)
    if document.credited_invoice:
        number, issued = document.credited_invoice
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", number)
        _cbc(reference, "IssueDate", issued.isoformat())
    _party(_cac(root, "AccountingSupplierParty"), document.seller, document, seller=True)
    _party(_cac(root, "AccountingCustomerParty"), document.buyer, document, seller=False)
    _payment_means(root, document, credit_note)
    if document.payment_terms:
        _cbc(_cac(root, "PaymentTerms"), "Note", document.payment_terms)
    breakdown = vat_breakdown(document.lines)
    _tax_total(root, breakdown)
    _totals(root, document.lines, breakdown)
    for number, line in enumerate(document.lines, start=1):
        _line(root, number, line, credit_note)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _party(wrapper: ET.Element, party: Party, document: Document, *, seller: bool) -> None:
    element = _cac(wrapper, "Party")
    _cbc(element, "EndpointID", party.endpoint, schemeID=SWEDISH_ORGANISATION_NUMBER)
    _cbc(_cac(element, "PartyName"), "Name", party.name)
    address = _cac(element, "PostalAddress")
    _cbc(address, "StreetName", party.street)
    _cbc(address, "CityName", party.city)
    _cbc(address, "PostalZone", party.postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country)
    if party.vat_number:
        scheme = _cac(element, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", party.vat_number)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    if seller and document.f_tax:
        scheme = _cac(element, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", F_TAX_TEXT)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "TAX")
    legal = _cac(element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    _cbc(legal, "CompanyID", party.endpoint, schemeID=SWEDISH_ORGANISATION_NUMBER)
    if seller and document.registered_office:
        # ML 17 kap. 24 § and ABL 2 kap. 9 §: the registered office goes on the invoice; BT-33.
        _cbc(legal, "CompanyLegalForm", f"Styrelsens säte: {document.registered_office}")
    if party.email:
        _cbc(_cac(element, "Contact"), "ElectronicMail", party.email)


def _payment_means(root: ET.Element, document: Document, credit_note: bool) -> None:
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", CREDIT_TRANSFER, name="Bankgiro")
    if document.ocr and not credit_note:
        # BT-83, the remittance information: the OCR reference the payer quotes to Bankgirot.
        _cbc(means, "PaymentID", document.ocr)
    account = _cac(means, "PayeeFinancialAccount")
    # SE-R-010: a bankgiro number is given as its 7 or 8 digits.
    _cbc(account, "ID", "".join(c for c in document.bankgiro if c.isdigit()))
    _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", BANKGIRO_BRANCH)


def _tax_category(parent: ET.Element, name: str, rate: int) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", STANDARD_RATE)
    _cbc(category, "Percent", rate)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _tax_total(root: ET.Element, breakdown: Sequence[VatBreakdown]) -> None:
    total = _cac(root, "TaxTotal")
    _amount(total, "TaxAmount", sum((part.vat for part in breakdown), Decimal("0.00")))
    for part in breakdown:
        subtotal = _cac(total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", part.taxable)
        _amount(subtotal, "TaxAmount", part.vat)
        _tax_category(subtotal, "TaxCategory", part.rate)


def _totals(root: ET.Element, lines: Sequence[Line], breakdown: Sequence[VatBreakdown]) -> None:
    net = sum((line.net for line in lines), Decimal("0.00"))
    vat = sum((part.vat for part in breakdown), Decimal("0.00"))
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", net)
    _amount(totals, "TaxExclusiveAmount", net)
    _amount(totals, "TaxInclusiveAmount", net + vat)
    _amount(totals, "PayableAmount", net + vat)


def _line(root: ET.Element, number: int, line: Line, credit_note: bool) -> None:
    element = _cac(root, "CreditNoteLine" if credit_note else "InvoiceLine")
    _cbc(element, "ID", number)
    quantity = "CreditedQuantity" if credit_note else "InvoicedQuantity"
    _cbc(element, quantity, _plain(line.quantity), unitCode=UNIT_ONE)
    _amount(element, "LineExtensionAmount", line.net)
    if line.period_start and line.period_end:
        period = _cac(element, "InvoicePeriod")
        _cbc(period, "StartDate", line.period_start.isoformat())
        _cbc(period, "EndDate", line.period_end.isoformat())
    item = _cac(element, "Item")
    _cbc(item, "Name", line.description)
    _tax_category(item, "ClassifiedTaxCategory", line.vat_rate)
    _cbc(_cac(element, "Price"), "PriceAmount", _plain(line.unit_price), currencyID=CURRENCY)


def _ore(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(ORE, rounding=ROUND_HALF_UP)


def _plain(number: Decimal) -> str:
    """A quantity or price without exponent or trailing zeros beyond öre."""
    text = format(Decimal(number).normalize(), "f")
    return text if "." not in text or len(text.split(".")[1]) > 2 else str(_ore(number))
