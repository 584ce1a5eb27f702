"""What we hold, why, on what basis, for how long and who else sees it, read from the code.

The privacy page's "what we keep" table and the staff record of processing (GDPR art. 30) are
both built here from the columns' personal-data declarations and the retention rules, so a new
column or rule appears in them without anyone remembering to write it down.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import MetaData

from joans.extensions import db
from joans.models.personal_data import Basis, Category, Purpose
from joans.privacy.retention import RULES, RetentionRule

PURPOSE_LABELS = {
    Purpose.CALLBACK: _l("Calling you back when you ask us to in the contact form"),
    Purpose.INVOICING: _l("Completing and invoicing your orders"),
    Purpose.NEWSLETTER: _l("Sending customer newsletters"),
    Purpose.DOMAIN_REGISTRATION: _l("Registering domain names through Ilait AB"),
    Purpose.CRM: _l("Keeping in touch with you and your colleagues (our customer register)"),
    Purpose.STATISTICS: _l("Remembering your choice about statistics cookies"),
    Purpose.SECURITY: _l("Staff accounts and the security of the back office"),
    Purpose.DATA_REQUESTS: _l("Answering requests to see, correct or delete your data"),
}

CATEGORY_LABELS = {
    Category.IDENTITY: _l("names"),
    Category.CONTACT: _l("phone numbers and e-mail addresses"),
    Category.COMPANY: _l("company name, organisation number, VAT number and billing address"),
    Category.NATIONAL_ID: _l("a sole trader's personal identity number"),
    Category.TRANSACTION: _l("what was ordered and invoiced"),
    Category.ONLINE: _l("a random id stored in your browser's cookie"),
    Category.ENQUIRY: _l("what you asked about and in which language"),
    Category.ACCOUNT: _l("staff names, e-mail addresses and credentials"),
    Category.NOTES: _l("notes our staff write"),
    Category.MARKETING: _l("whether you receive our newsletter, and why"),
}

BASIS_LABELS = {
    Basis.CONSENT: _l("your consent (GDPR art. 6(1)(a))"),
    Basis.CONTRACT: _l("a contract with you, or steps you asked for before one (art. 6(1)(b))"),
    Basis.LEGAL_OBLIGATION: _l("a legal obligation (art. 6(1)(c))"),
    Basis.LEGITIMATE_INTEREST: _l("our legitimate interest (art. 6(1)(f))"),
}

# Everyone outside the company who receives personal data, per purpose; the privacy policy
# promises there is nobody else.
RECIPIENTS = {
    Purpose.DOMAIN_REGISTRATION: (_l("Ilait AB, our domain registrar"),),
    Purpose.STATISTICS: (_l("Google, for Google Analytics, only after you accept"),),
}

# The back office's own accounts concern staff, not the visitors and customers the privacy
# page speaks to; they are in the record of processing only.
INTERNAL_PURPOSES = {Purpose.SECURITY}


@dataclass(frozen=True)
class Processing:
    """One purpose: the data held for it, where, on what bases, and for how long."""

    purpose: Purpose
    categories: tuple[Category, ...]
    bases: tuple[Basis, ...]
    rules: tuple[RetentionRule, ...]
    columns: tuple[str, ...]  # "table.column"

    @property
    def label(self) -> str:
        """The purpose in the reader's language."""
        return str(PURPOSE_LABELS[self.purpose])

    @property
    def what(self) -> str:
        """The kinds of data held, as one phrase."""
        return _sentence(", ".join(str(CATEGORY_LABELS[item]) for item in self.categories))

    @property
    def legal_bases(self) -> str:
        """The legal bases, as one phrase."""
        return _sentence("; ".join(str(BASIS_LABELS[item]) for item in self.bases))

    @property
    def recipients(self) -> tuple[str, ...]:
        """Who outside the company receives this data."""
        return tuple(str(recipient) for recipient in RECIPIENTS.get(self.purpose, ()))


def processing_activities(metadata: MetaData | None = None) -> list[Processing]:
    """Every purpose some column declares, in the order purposes are listed in the registry.

    Its rules are the ones its columns name, then any other rule that removes rows of the same
    tables (expired invitations are staff accounts too, though no column names that rule).
    """
    found: dict[Purpose, dict[str, list]] = {}
    for table in (metadata or db.metadata).sorted_tables:
        for column in table.columns:
            declaration = column.info.get("personal_data")
            if declaration is None:
                continue
            entry = found.setdefault(
                declaration.purpose,
                {"categories": [], "bases": [], "rules": [], "columns": [], "tables": []},
            )
            _add(entry["categories"], declaration.category)
            _add(entry["bases"], declaration.basis)
            _add(entry["rules"], RULES[declaration.retention])
            _add(entry["tables"], table.name)
            entry["columns"].append(f"{table.name}.{column.name}")
    for entry in found.values():
        for rule in RULES.values():
            if rule.model.__tablename__ in entry["tables"]:
                _add(entry["rules"], rule)
    return [
        Processing(
            purpose,
            *(tuple(found[purpose][key]) for key in ("categories", "bases", "rules", "columns")),
        )
        for purpose in Purpose
        if purpose in found
    ]


def public_activities() -> list[Processing]:
    """The activities that concern visitors and customers, for the privacy page."""
    return [item for item in processing_activities() if item.purpose not in INTERNAL_PURPOSES]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _add(items: list, item) -> None:
    if item not in items:
        items.append(item)
