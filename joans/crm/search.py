"""The staff search box: one query finds companies and contacts by name, organisation number,
e-mail or phone, however the number is typed.

Each record is indexed under its words (``crm_search_term``), folded to lower case without
accents, and under its numbers as digits in every form people type them. A query word then
matches by prefix, which both SQLite and PostgreSQL answer with an index range scan.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import Select, and_, intersect, or_, select

from joans.extensions import db
from joans.models.crm import Company, Contact, SearchTerm

MAX_TERM_LENGTH = 120
MAX_SORT_KEY_LENGTH = 200
RESULT_LIMIT = 50
COUNT_LIMIT = 1000
# Characters people type inside numbers: "070-123 45 67", "+46 (0)70 123 45 67", "556036-0793".
_NUMBER_QUERY = re.compile(r"\+?[\d\s().\-/]*\d[\d\s().\-/]*")
_WORD_SEPARATORS = re.compile(r"[-'’.]")


def fold(text: str) -> str:
    """Lower case without accents, so ``Åsa`` is found by ``asa`` and ``åsa`` alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def _name_terms(text: str | None) -> set[str]:
    terms = set()
    for word in fold(text or "").split():
        terms.add(word)
        terms.update(part for part in _WORD_SEPARATORS.split(word) if part)
    return terms


def _phone_terms(e164: str | None) -> set[str]:
    if not e164:
        return set()
    number = phonenumbers.parse(e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return {e164.lstrip("+"), re.sub(r"\D", "", national)}


def _identity_number_terms(number: str | None) -> set[str]:
    if not number:
        return set()
    digits = re.sub(r"\D", "", number)
    # A personnummer is also typed without the century: YYMMDD-NNNN.
    return {digits, digits[-10:]}


def company_terms(company: Company) -> set[str]:
    """The words and numbers a company is found under."""
    terms = _name_terms(company.name) | _identity_number_terms(company.organisation_number)
    if company.vat_number:
        terms.add(company.vat_number.lower())
    return {term[:MAX_TERM_LENGTH] for term in terms}


def contact_terms(contact: Contact) -> set[str]:
    """The words and numbers a contact is found under."""
    terms = _name_terms(contact.first_name) | _name_terms(contact.last_name)
    terms |= _phone_terms(contact.phone)
    if contact.email:
        terms.add(contact.email)
        terms.add(contact.email.rpartition("@")[2])
    return {term[:MAX_TERM_LENGTH] for term in terms}


def company_sort_key(company: Company) -> str:
    """Where a company comes in search results: by name."""
    return fold(company.name)[:MAX_SORT_KEY_LENGTH]


def contact_sort_key(contact: Contact) -> str:
    """Where a contact comes in search results: by last name, then first name."""
    return fold(f"{contact.last_name} {contact.first_name}")[:MAX_SORT_KEY_LENGTH]


def index_company(company: Company) -> None:
    """Replace the company's search terms (the caller commits)."""
    db.session.execute(db.delete(SearchTerm).where(SearchTerm.company_id == company.id))
    key = company_sort_key(company)
    db.session.add_all(
        SearchTerm(term=term, sort_key=key, company_id=company.id)
        for term in company_terms(company)
    )


def index_contact(contact: Contact) -> None:
    """Replace the contact's search terms (the caller commits)."""
    db.session.execute(db.delete(SearchTerm).where(SearchTerm.contact_id == contact.id))
    key = contact_sort_key(contact)
    db.session.add_all(
        SearchTerm(term=term, sort_key=key, contact_id=contact.id)
        for term in contact_terms(contact)
    )


def query_words(query: str) -> list[set[str]]:
    """The query as words that must all match, each word as the prefixes that count as it.

    A query that is one number (``070-123 45 67``, ``+46 70 123 45 67``, ``16556036-0793``) is
    one word whose forms cover national and international phone numbers and 10/12-digit
    identity numbers.
    """
    # Control characters cannot be stored (PostgreSQL refuses NUL) and are never typed.
    query = "".join(c for c in query if unicodedata.category(c)[0] != "C").strip()
    if _NUMBER_QUERY.fullmatch(query):
        digits = re.sub(r"\D", "", query)
        forms = {digits}
        if digits.startswith("00"):
            forms.add(digits[2:])  # 0046... is +46...
        if len(digits) == 12 and digits.startswith("16"):
            forms.add(digits[2:])  # an organisation number with the "16" century prefix
        return [forms] if len(digits) >= 2 else []
    return [{word[:MAX_TERM_LENGTH]} for word in fold(query).split()]


@dataclass
class SearchResults:
    """The first matches of each kind and how many there are in all."""

    companies: list[Company]
    company_count: int
    contacts: list[Contact]
    contact_count: int

    @property
    def empty(self) -> bool:
        """Nothing matched."""
        return not self.company_count and not self.contact_count


def search(query: str, limit: int = RESULT_LIMIT) -> SearchResults:
    """Companies and contacts that match every word of ``query``, by name."""
    words = query_words(query)
    if not words:
        return SearchResults([], 0, [], 0)
    companies, company_count = _first(Company, _matching(SearchTerm.company_id, words), limit)
    contacts, contact_count = _first(Contact, _matching(SearchTerm.contact_id, words), limit)
    return SearchResults(companies, company_count, contacts, contact_count)


def _matching(column, words: list[set[str]]) -> Select:
    # (id, sort_key) pairs: every word must match one of the record's terms.
    selects = [
        select(column.label("id"), SearchTerm.sort_key)
        .where(column.is_not(None), or_(*(_prefix(form) for form in forms)))
        .distinct()
        for forms in words
    ]
    return selects[0] if len(selects) == 1 else intersect(*selects)


def _first(model, matches: Select, limit: int) -> tuple[list, int]:
    """The first ``limit`` matches in order, and how many there are (counted up to COUNT_LIMIT
    + 1: beyond that the number does not help anyone narrow down)."""
    # The ids in order come from the index alone, in one query that serves for the count too
    # (ordering reads every match anyway); only the first rows are then read.
    found = matches.subquery()
    ids = list(
        db.session.scalars(
            select(found.c.id).order_by(found.c.sort_key, found.c.id).limit(COUNT_LIMIT + 1)
        )
    )
    first = ids[:limit]
    rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(first)))}
    return [rows[id_] for id_ in first if id_ in rows], len(ids)


def _prefix(prefix: str):
    # term >= 'abc' AND term < 'abd': a range both databases read from the index.
    following = ord(prefix[-1]) + 1
    if following > sys.maxunicode:
        return SearchTerm.term >= prefix
    if 0xD800 <= following <= 0xDFFF:
        following = 0xE000  # surrogates cannot be encoded; none is stored either
    upper = prefix[:-1] + chr(following)
    return and_(SearchTerm.term >= prefix, SearchTerm.term < upper)
