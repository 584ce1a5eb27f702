"""Peppol BIS Billing 3.0: invoices and credit notes pass the UBL 2.1 schemas and the rules."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from joans.billing import peppol
from joans.billing.peppol import Document, Line, Party
from tests.billing.peppol_validation import validate

NS = {
    "cac": peppol.CAC,
    "cbc": peppol.CBC,
    "inv": peppol.INVOICE_NS,
    "cn": peppol.CREDIT_NOTE_NS,
}

SELLER = Party(
    "Joans Webbyrå AB",
    "556036-0793",
    "Storgatan 1",
    "111 22",
    "Stockholm",
    vat_number="SE556036079301",
    email="faktura@joans.se",
)
# A public body as the buyer: its organisation number is its Peppol address.
BUYER = Party("Region Norrbotten", "232100-0230", "Robertsviksgatan 7", "971 89", "Luleå")


def invoice() -> Document:
    return Document(
        number="1001",
        issue_date=date(2027, 1, 10),
        seller=SELLER,
        buyer=BUYER,
        buyer_reference="REG-4711",
        lines=[
            Line(
                "Webbhotell Bas 2027-01-01 – 2027-01-31",
                Decimal(1),
                Decimal("199.00"),
                25,
                date(2027, 1, 1),
                date(2027, 1, 31),
            ),
            Line("Domän norrbotten.example", Decimal(2), Decimal("149.50"), 25),
            Line("Tryckt manual", Decimal(3), Decimal("33.33"), 6),
            Line("Fika vid utbildning", Decimal(1), Decimal("10.01"), 12),
        ],
        bankgiro="5555-5555",
        due_date=date(2027, 2, 9),
        ocr="00100180",
        registered_office="Stockholm",
        payment_terms="30 dagar netto. Dröjsmålsränta enligt räntelagen.",
    )


def credit_note() -> Document:
    return replace(invoice(), number="1002", credited_invoice=("1001", date(2027, 1, 10)))


def xpath(document: bytes, path: str) -> list[str]:
    return [str(value) for value in etree.fromstring(document).xpath(path, namespaces=NS)]


def test_invoice_passes_the_ubl_schema_and_the_cen_and_peppol_rules():
    """Not one schema error, fatal rule, or warning from any of the three layers."""
    assert validate(peppol.invoice_xml(invoice())) == []


def test_credit_note_passes_the_ubl_schema_and_the_cen_and_peppol_rules():
    """The credit note too, with its reference to the invoice it credits."""
    assert validate(peppol.credit_note_xml(credit_note())) == []


def test_invoice_names_bis_billing_3_and_both_parties_by_organisation_number():
    """CustomizationID and ProfileID of BIS 3.0; endpoints under scheme 0007."""
    document = peppol.invoice_xml(invoice())
    assert xpath(document, "/inv:Invoice/cbc:CustomizationID/text()") == [
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    ]
    assert xpath(document, "/inv:Invoice/cbc:ProfileID/text()") == [
        "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    ]
    assert xpath(document, "//cbc:EndpointID/text()") == ["5560360793", "2321000230"]
    assert xpath(document, "//cbc:EndpointID/@schemeID") == ["0007", "0007"]
    assert xpath(document, "//cbc:BuyerReference/text()") == ["REG-4711"]


def test_seller_states_vat_number_f_tax_and_registered_office():
    """SE-R-005: "Godkänd för F-skatt" as the seller's tax registration; säte as legal form."""
    document = peppol.invoice_xml(invoice())
    seller = "//cac:AccountingSupplierParty/cac:Party"
    assert xpath(document, f"{seller}/cac:PartyTaxScheme/cbc:CompanyID/text()") == [
        "SE556036079301",
        "Godkänd för F-skatt",
    ]
    assert xpath(document, f"{seller}/cac:PartyTaxScheme/cac:TaxScheme/cbc:ID/text()") == [
        "VAT",
        "TAX",
    ]
    assert xpath(document, f"{seller}//cbc:CompanyLegalForm/text()") == [
        "Styrelsens säte: Stockholm"
    ]


def test_payment_by_bankgiro_with_the_ocr_reference():
    """Payment means 30, the bankgiro number as digits at SE:BANKGIRO, OCR as PaymentID."""
    document = peppol.invoice_xml(invoice())
    assert xpath(document, "//cac:PaymentMeans/cbc:PaymentMeansCode/text()") == ["30"]
    assert xpath(document, "//cac:PaymentMeans/cbc:PaymentID/text()") == ["00100180"]
    assert xpath(document, "//cac:PayeeFinancialAccount/cbc:ID/text()") == ["55555555"]
    assert xpath(document, "//cac:FinancialInstitutionBranch/cbc:ID/text()") == ["SE:BANKGIRO"]


def test_vat_is_broken_down_per_rate_and_totals_add_up():
    """One subtotal per rate, VAT rounded once per rate, and the totals from the lines."""
    document = peppol.invoice_xml(invoice())
    subtotals = list(
        zip(
            xpath(document, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent/text()"),
            xpath(document, "//cac:TaxSubtotal/cbc:TaxableAmount/text()"),
            xpath(document, "//cac:TaxSubtotal/cbc:TaxAmount/text()"),
            strict=True,
        )
    )
    # 25 %: 199.00 + 2 x 149.50; 12 %: 10.01 (1.2012 rounds to 1.20); 6 %: 3 x 33.33 = 99.99.
    assert subtotals == [
        ("25", "498.00", "124.50"),
        ("12", "10.01", "1.20"),
        ("6", "99.99", "6.00"),
    ]
    assert xpath(document, "/inv:Invoice/cac:TaxTotal/cbc:TaxAmount/text()") == ["131.70"]
    assert xpath(document, "//cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount/text()") == ["608.00"]
    assert xpath(document, "//cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == ["739.70"]
    assert xpath(document, "//cbc:PayableAmount/@currencyID") == ["SEK"]


def test_lines_carry_quantity_price_vat_rate_and_service_period():
    """Each line: quantity, net amount, price, VAT category S and, when billed, its period."""
    document = peppol.invoice_xml(invoice())
    assert xpath(document, "//cac:InvoiceLine/cbc:InvoicedQuantity/text()") == ["1", "2", "3", "1"]
    assert xpath(document, "//cac:InvoiceLine/cbc:LineExtensionAmount/text()") == [
        "199.00",
        "299.00",
        "99.99",
        "10.01",
    ]
    assert xpath(document, "//cac:InvoiceLine/cac:InvoicePeriod/cbc:StartDate/text()") == [
        "2027-01-01"
    ]
    assert xpath(document, "//cac:ClassifiedTaxCategory/cbc:ID/text()") == ["S"] * 4


def test_credit_note_refers_to_the_invoice_and_uses_credit_note_elements():
    """Type 381, BillingReference to the invoice, CreditNoteLine with CreditedQuantity."""
    document = peppol.credit_note_xml(credit_note())
    assert xpath(document, "/cn:CreditNote/cbc:CreditNoteTypeCode/text()") == ["381"]
    assert xpath(document, "//cac:InvoiceDocumentReference/cbc:ID/text()") == ["1001"]
    assert xpath(document, "//cac:InvoiceDocumentReference/cbc:IssueDate/text()") == ["2027-01-10"]
    assert len(xpath(document, "//cac:CreditNoteLine/cbc:CreditedQuantity")) == 4
    assert xpath(document, "//cac:PaymentMeans/cbc:PaymentID") == []


def test_a_credit_note_without_the_credited_invoice_is_refused():
    """A credit note must name what it credits (BR-55 asks for it; we refuse to write one)."""
    with pytest.raises(ValueError):
        peppol.credit_note_xml(invoice())


# --- The validation is live: broken documents are caught by the right layer -------------------


def rules(findings) -> set[str]:
    return {finding.rule for finding in findings if finding.flag == "fatal"}


def test_a_swedish_vat_number_of_the_wrong_length_breaks_rule_se_r_001():
    """The Swedish national rules run: a 13-character VAT number is fatal."""
    seller = replace(SELLER, vat_number="SE55603607930")
    assert "SE-R-001" in rules(validate(peppol.invoice_xml(replace(invoice(), seller=seller))))


def test_a_vat_rate_sweden_does_not_have_breaks_rule_se_r_006():
    """18 % is no Swedish rate: SE-R-006."""
    lines = [Line("Konsulttimme", Decimal(1), Decimal("1000"), 18)]
    assert "SE-R-006" in rules(validate(peppol.invoice_xml(replace(invoice(), lines=lines))))


def test_a_wrong_total_breaks_the_cen_rules():
    """A payable amount that is not the sum breaks BR-CO-16 (EN 16931)."""
    document = re.sub(
        rb"<cbc:PayableAmount currencyID=\"SEK\">[0-9.]+<",
        b'<cbc:PayableAmount currencyID="SEK">1.00<',
        peppol.invoice_xml(invoice()),
    )
    assert "BR-CO-16" in rules(validate(document))


def test_a_missing_endpoint_breaks_the_peppol_rules():
    """Without the buyer's electronic address, Peppol rule R010 fails."""
    document = re.sub(
        rb"(<cac:AccountingCustomerParty>\s*<cac:Party>)\s*<cbc:EndpointID[^<]*</cbc:EndpointID>",
        rb"\1",
        peppol.invoice_xml(invoice()),
    )
    assert "PEPPOL-EN16931-R010" in rules(validate(document))


def test_elements_out_of_order_break_the_ubl_schema():
    """UBL is an ordered schema: a DueDate after the type code is a schema error."""
    document = (
        peppol.invoice_xml(invoice())
        .replace(b"<cbc:DueDate>2027-02-09</cbc:DueDate>", b"")
        .replace(
            b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
            b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:DueDate>2027-02-09</cbc:DueDate>",
        )
    )
    assert any(finding.rule == "XSD" for finding in validate(document))
