"""The personal-data registry: every column says, where it is declared, whether it holds
personal data and if so which kind, for what purpose, on what legal basis and for how long.

Export, erasure, retention and the privacy page's "what we keep" table are derived from these
declarations, so a new column cannot be forgotten::

    name: Mapped[str] = mapped_column(
        String(100),
        info=personal_data(Category.IDENTITY, Purpose.CALLBACK, Basis.LEGITIMATE_INTEREST,
                           retention="callback"),
    )
    action: Mapped[str] = mapped_column(String(64), info=not_personal())
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """What kind of personal data a column holds."""

    IDENTITY = "identity"  # names
    CONTACT = "contact"  # phone numbers, e-mail addresses
    COMPANY = "company"  # company name, organisation number, billing address, VAT number
    NATIONAL_ID = "national_id"  # a sole trader's personnummer
    TRANSACTION = "transaction"  # what someone ordered and was invoiced
    ONLINE = "online"  # identifiers of a browser or device (consent ids)
    ENQUIRY = "enquiry"  # what a visitor asked us about, and the language to answer in
    ACCOUNT = "account"  # staff accounts
    NOTES = "notes"  # free text staff wrote about a customer
    MARKETING = "marketing"  # whether someone gets newsletters, and on what basis


class Purpose(StrEnum):
    """Why we hold it: each purpose is one the privacy policy names."""

    CALLBACK = "callback"
    INVOICING = "invoicing"
    NEWSLETTER = "newsletter"
    DOMAIN_REGISTRATION = "domain_registration"
    CRM = "crm"
    STATISTICS = "statistics"
    SECURITY = "security"
    DATA_REQUESTS = "data_requests"  # answering people who ask to see or delete their data


class Basis(StrEnum):
    """The legal basis under GDPR art. 6(1)."""

    CONSENT = "consent"  # (a)
    CONTRACT = "contract"  # (b)
    LEGAL_OBLIGATION = "legal_obligation"  # (c)
    LEGITIMATE_INTEREST = "legitimate_interest"  # (f)


@dataclass(frozen=True)
class PersonalData:
    """The declaration stored in a column's ``info["personal_data"]``."""

    category: Category
    purpose: Purpose
    basis: Basis
    retention: str  # the name of the retention rule that deletes or anonymises it


def personal_data(category: Category, purpose: Purpose, basis: Basis, *, retention: str) -> dict:
    """Column ``info`` for a column that holds personal data."""
    return {"personal_data": PersonalData(category, purpose, basis, retention)}


def not_personal() -> dict:
    """Column ``info`` for a text column that never holds personal data (codes, statuses)."""
    return {"personal_data": None}
