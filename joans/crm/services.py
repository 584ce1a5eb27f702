"""The CRM: companies, contacts and their notes, with an audit event for every view and change."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from math import ceil

from sqlalchemy.orm import selectinload

from joans.audit import record_event, record_view
from joans.crm import search as crm_search
from joans.extensions import db
from joans.models.crm import Company, Contact, Note
from joans.models.orders import Order
from joans.validation import (
    mask_personnummer,
    mask_vat_number,
    normalise_organisation_number,
    normalise_personnummer,
)

COMPANY_FIELDS = (
    "name",
    "organisation_number",
    "vat_number",
    "billing_street",
    "billing_postal_code",
    "billing_city",
    "customer_since",
    "customer_until",
)
CONTACT_FIELDS = ("first_name", "last_name", "phone", "email", "company_id")


@dataclass(frozen=True)
class Sort:
    """A column a list can be sorted by, ties broken by id so pages never overlap."""

    columns: tuple


COMPANY_SORTS = {
    "name": Sort((Company.name,)),
    "organisation_number": Sort((Company.organisation_number,)),
    "customer_since": Sort((Company.customer_since,)),
    "created": Sort((Company.created_at,)),
}
CONTACT_SORTS = {
    "last_name": Sort((Contact.last_name, Contact.first_name)),
    "first_name": Sort((Contact.first_name,)),
    "email": Sort((Contact.email,)),
    "created": Sort((Contact.created_at,)),
}


def display_organisation_number(company: Company) -> str:
    """The organisation number, or a sole trader's personnummer with its last four digits hidden."""
    number = company.organisation_number or ""
    return mask_personnummer(number) if company.is_sole_trader else number


def _changed(record, values: dict) -> list[str]:
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, values[name])
    return changed


def create_company(values: dict, *, actor_id: int) -> Company:
    """Add a company (values are already validated and normalised)."""
    company = add_company(values, actor_id=actor_id)
    db.session.commit()
    return company


def add_company(values: dict, *, actor_id: int | None) -> Company:
    """Add a company, indexed and audited, within the caller's transaction (caller commits)."""
    company = Company(**{name: values.get(name) for name in COMPANY_FIELDS})
    db.session.add(company)
    db.session.flush()
    crm_search.index_company(company)
    record_event(
        "company.created", actor_id=actor_id, subject_type="company", subject_id=company.id
    )
    return company


def mark_customer(company: Company, since: date, *, actor_id: int | None) -> None:
    """Make ``company`` a customer from ``since`` unless it already is (caller commits).

    A former customer who orders again is a customer again: the end date goes, and with it the
    retention clock it had started.
    """
    values = {}
    if company.customer_since is None:
        values["customer_since"] = since
    if company.customer_until is not None:
        values["customer_until"] = None
    changed = _changed(company, values)
    if changed:
        record_event(
            "company.updated",
            actor_id=actor_id,
            subject_type="company",
            subject_id=company.id,
            fields=changed,
        )


def end_customership(company: Company, until: date, *, actor_id: int) -> None:
    """Record that ``company`` is a customer until ``until``; the "customer" retention rule
    deletes its data ``CUSTOMER_RETENTION_DAYS`` after that date."""
    if _changed(company, {"customer_until": until}):
        record_event(
            "company.customership_ended",
            actor_id=actor_id,
            subject_type="company",
            subject_id=company.id,
        )
        db.session.commit()


def update_company(company: Company, values: dict, *, actor_id: int) -> list[str]:
    """Save the fields that changed and name them (never their values) in the audit log."""
    changed = _changed(company, {name: values.get(name) for name in COMPANY_FIELDS})
    if changed:
        crm_search.index_company(company)
        record_event(
            "company.updated",
            actor_id=actor_id,
            subject_type="company",
            subject_id=company.id,
            fields=changed,
        )
        db.session.commit()
    return changed


def create_contact(values: dict, *, actor_id: int) -> Contact:
    """Add a contact (values are already validated and normalised)."""
    contact = add_contact(values, actor_id=actor_id)
    db.session.commit()
    return contact


def add_contact(values: dict, *, actor_id: int | None) -> Contact:
    """Add a contact, indexed and audited, within the caller's transaction (caller commits)."""
    contact = Contact(**{name: values.get(name) for name in CONTACT_FIELDS})
    db.session.add(contact)
    db.session.flush()
    crm_search.index_contact(contact)
    record_event(
        "contact.created", actor_id=actor_id, subject_type="contact", subject_id=contact.id
    )
    return contact


def update_contact(contact: Contact, values: dict, *, actor_id: int) -> list[str]:
    """Save the fields that changed and name them in the audit log."""
    changed = _changed(contact, {name: values.get(name) for name in CONTACT_FIELDS})
    if changed:
        crm_search.index_contact(contact)
        record_event(
            "contact.updated",
            actor_id=actor_id,
            subject_type="contact",
            subject_id=contact.id,
            fields=changed,
        )
        db.session.commit()
    return changed


def view_company(company_id: int, *, actor_id: int, purpose: str = "view") -> Company | None:
    """Open a company's record; the audit log notes who looked at it."""
    company = db.session.get(Company, company_id)
    return record_view(company, "company.viewed", "company", actor_id=actor_id, purpose=purpose)


def view_contact(contact_id: int, *, actor_id: int, purpose: str = "view") -> Contact | None:
    """Open a contact's record; the audit log notes who looked at it."""
    contact = db.session.get(Contact, contact_id)
    return record_view(contact, "contact.viewed", "contact", actor_id=actor_id, purpose=purpose)


def add_note(
    *, body: str, actor_id: int, company: Company | None = None, contact: Contact | None = None
) -> Note:
    """Append a note to a company or a contact; notes are never edited or removed here."""
    note = Note(
        body=body,
        author_id=actor_id,
        company_id=company.id if company is not None else None,
        contact_id=contact.id if contact is not None else None,
    )
    db.session.add(note)
    db.session.flush()
    subject_type, subject = ("company", company) if company is not None else ("contact", contact)
    record_event(
        "note.added",
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject.id,
        note_id=note.id,
    )
    db.session.commit()
    return note


def notes_for(*, company: Company | None = None, contact: Contact | None = None) -> list[Note]:
    """The notes of one record, newest first."""
    query = (
        db.select(Note)
        .options(selectinload(Note.author))
        .order_by(Note.created_at.desc(), Note.id.desc())
    )
    if company is not None:
        query = query.where(Note.company_id == company.id)
    else:
        query = query.where(Note.contact_id == contact.id)
    return list(db.session.scalars(query))


def duplicate_companies(
    organisation_number: str | None, *, exclude_id: int | None = None
) -> list[Company]:
    """Other companies with the same organisation number."""
    if not organisation_number:
        return []
    query = db.select(Company).where(Company.organisation_number == organisation_number)
    if exclude_id is not None:
        query = query.where(Company.id != exclude_id)
    return list(db.session.scalars(query.order_by(Company.id).limit(5)))


def duplicate_contacts(email: str | None, *, exclude_id: int | None = None) -> list[Contact]:
    """Other contacts with the same e-mail address."""
    if not email:
        return []
    query = db.select(Contact).where(Contact.email == email)
    if exclude_id is not None:
        query = query.where(Contact.id != exclude_id)
    return list(db.session.scalars(query.order_by(Contact.id).limit(5)))


@dataclass
class Page:
    """One page of a sorted list, with what the page links need."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has."""
        return max(ceil(self.total / self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        """The previous page's number."""
        return self.page - 1

    @property
    def next_num(self) -> int:
        """The next page's number."""
        return self.page + 1


def _page(
    model, sorts: dict[str, Sort], sort: str, descending: bool, page: int, per_page: int, options=()
):
    columns = sorts[sort].columns if sort in sorts else next(iter(sorts.values())).columns
    order = [column.desc() if descending else column.asc() for column in (*columns, model.id)]
    total = db.session.scalar(db.select(db.func.count(model.id)))
    page = min(page, max(ceil(total / per_page), 1))
    # The page's ids come from the sort column's index alone (an "index-only" scan), however deep
    # the page; then only those rows are read.
    ids = list(
        db.session.scalars(
            db.select(model.id).order_by(*order).offset((page - 1) * per_page).limit(per_page)
        )
    )
    rows = {
        row.id: row
        for row in db.session.scalars(db.select(model).options(*options).where(model.id.in_(ids)))
    }
    return Page(
        items=[rows[id_] for id_ in ids if id_ in rows], page=page, per_page=per_page, total=total
    )


def list_companies(*, sort: str, descending: bool, page: int, per_page: int) -> Page:
    """One page of companies in the order asked for."""
    return _page(Company, COMPANY_SORTS, sort, descending, page, per_page)


def list_contacts(*, sort: str, descending: bool, page: int, per_page: int) -> Page:
    """One page of contacts, with their companies, in the order asked for."""
    return _page(
        Contact, CONTACT_SORTS, sort, descending, page, per_page, (selectinload(Contact.company),)
    )


def find_company(company_id: int) -> Company | None:
    """A company by id, without recording a view (for appending to it)."""
    return db.session.get(Company, company_id)


def find_contact(contact_id: int) -> Contact | None:
    """A contact by id, without recording a view (for appending to it)."""
    return db.session.get(Contact, contact_id)


def orders_of(company: Company) -> list[Order]:
    """A company's orders, newest first."""
    query = db.select(Order).where(Order.company_id == company.id)
    return list(db.session.scalars(query.order_by(Order.created_at.desc(), Order.id.desc())))


def company_reference(company: Company) -> str:
    """What a contact form shows for its company: the organisation number, else the name.

    A sole trader's personnummer is never put in a form field that is not the company's own.
    """
    if company.organisation_number and not company.is_sole_trader:
        return company.organisation_number
    return company.name


def companies_named(text: str) -> list[Company]:
    """Companies whose organisation number or exact name is ``text`` (for a contact's company)."""
    text = text.strip()
    try:
        number = normalise_company_identity(text)
    except ValueError:
        condition = Company.name == text
    else:
        condition = Company.organisation_number == number
    return list(
        db.session.scalars(db.select(Company).where(condition).order_by(Company.id).limit(5))
    )


def normalise_company_identity(text: str) -> str:
    """An organisation number, or for a sole trader a personnummer, in its stored form."""
    try:
        return normalise_organisation_number(text)
    except ValueError as organisation_error:
        try:
            return normalise_personnummer(text)
        except ValueError:
            raise organisation_error from None


def counts() -> dict[str, int]:
    """How many companies, current customers and contacts the CRM holds."""
    today = date.today()
    customers = db.select(db.func.count(Company.id)).where(
        Company.customer_since.is_not(None),
        Company.customer_since <= today,
        (Company.customer_until.is_(None)) | (Company.customer_until >= today),
    )
    return {
        "companies": db.session.scalar(db.select(db.func.count(Company.id))),
        "customers": db.session.scalar(customers),
        "contacts": db.session.scalar(db.select(db.func.count(Contact.id))),
    }


# Spreadsheets run cells that start with these as formulas (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_csv(kind: str, *, actor_id: int) -> str:
    """Every company or every contact as CSV; the audit log records the export and its size."""
    rows = _company_rows() if kind == "companies" else _contact_rows()
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(next(rows))  # the header
    count = 0
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        count += 1
    record_event("crm.exported", actor_id=actor_id, kind=kind, rows=count)
    db.session.commit()
    return output.getvalue()


def _company_rows():
    yield (
        "id", "name", "organisation_number", "vat_number", "billing_street", "billing_postal_code",
        "billing_city", "customer_since", "customer_until",
    )  # fmt: skip
    query = db.select(Company).order_by(Company.id).execution_options(yield_per=1000)
    for company in db.session.scalars(query):
        yield (
            company.id, company.name, display_organisation_number(company),
            company.vat_number and mask_vat_number(company.vat_number),
            company.billing_street, company.billing_postal_code, company.billing_city,
            company.customer_since, company.customer_until,
        )  # fmt: skip


def _contact_rows():
    yield ("id", "first_name", "last_name", "phone", "email", "company_id", "company_name")
    query = (
        db.select(Contact, Company.name)
        .outerjoin(Company, Contact.company_id == Company.id)
        .order_by(Contact.id)
        .execution_options(yield_per=1000)
    )
    for contact, company_name in db.session.execute(query):
        yield (
            contact.id, contact.first_name, contact.last_name, contact.phone, contact.email,
            contact.company_id, company_name,
        )  # fmt: skip
