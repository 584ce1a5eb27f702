"""Everything the system holds about one person or company, found through one registry.

A data subject is a contact, a company, or both (a sole trader is a company that is a person).
Each ``Link`` says how to find a table's rows for a subject and what erasure may not remove
(a legal hold). Export and erasure walk the same links, so what can be exported is exactly
what erasure deals with, and a new table is covered by adding one link here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, or_, select

from joans.extensions import db
from joans.models.callbacks import CallbackRequest
from joans.models.crm import Company, Contact, Note
from joans.models.data_requests import DataSubjectRequest
from joans.models.domains import ACTIVE_STATUSES, Disclosure, Domain
from joans.models.invoices import Invoice, InvoiceLine
from joans.models.newsletter import NewsletterSubscription
from joans.models.orders import Order, OrderLine
from joans.privacy.retention import duration


@dataclass(frozen=True)
class Subject:
    """The person or company a request is about."""

    company_id: int | None = None
    contact_id: int | None = None

    def contact_ids(self) -> Select:
        """The contacts covered: the contact itself and, for a company, all its contacts."""
        conditions = []
        if self.contact_id is not None:
            conditions.append(Contact.id == self.contact_id)
        if self.company_id is not None:
            conditions.append(Contact.company_id == self.company_id)
        return select(Contact.id).where(or_(*conditions) if conditions else false())

    def company_ids(self) -> list[int]:
        """The company covered, if any."""
        return [self.company_id] if self.company_id is not None else []


@dataclass(frozen=True)
class Hold:
    """Why a row must outlive an erasure request, and until when (GDPR art. 17(3)).

    ``describe`` is called when the answer is written, in the requester's language.
    """

    describe: Callable[[], str]
    until: date | None = None


@dataclass(frozen=True)
class Link:
    """How one table's rows belong to a subject, and which of them erasure must keep."""

    name: str  # the table's name in exports
    label: str  # what the rows are, for the requester: "notes our staff wrote"
    model: type
    rows: Callable[[Subject], Select]
    hold: Callable[[object], Hold | None] = lambda row: None


def _contact_phones(subject: Subject) -> Select:
    return select(Contact.phone).where(
        Contact.id.in_(subject.contact_ids()), Contact.phone.is_not(None)
    )


def _contact_emails(subject: Subject) -> Select:
    return select(Contact.email).where(
        Contact.id.in_(subject.contact_ids()), Contact.email.is_not(None)
    )


def _orders(subject: Subject) -> Select:
    return select(Order.id).where(
        or_(
            Order.company_id.in_(subject.company_ids()), Order.contact_id.in_(subject.contact_ids())
        )
    )


def _invoices(subject: Subject) -> Select:
    # An invoice outlives the company it was issued to (its buyer is a snapshot), so the
    # buyer's e-mail address finds it too.
    return select(Invoice.id).where(
        or_(
            Invoice.company_id.in_(subject.company_ids()),
            Invoice.buyer_email.in_(_contact_emails(subject)),
        )
    )


def _domains(subject: Subject) -> Select:
    return select(Domain.id).where(
        or_(
            Domain.holder_company_id.in_(subject.company_ids()),
            Domain.holder_contact_id.in_(subject.contact_ids()),
        )
    )


def _invoice_hold(row: Invoice | InvoiceLine) -> Hold:
    invoice = row if isinstance(row, Invoice) else row.invoice
    return Hold(
        lambda: _(
            "Invoices and credit notes, which bokföringslagen (7 kap. 2 §) requires us to keep "
            "until the end of the seventh year after the financial year."
        ),
        until=invoice.keep_until,
    )


def _holds_registered_domain(condition) -> bool:
    query = select(Domain.id).where(condition, Domain.status.in_(ACTIVE_STATUSES)).limit(1)
    return db.session.scalar(query) is not None


def _domain_holder_hold() -> Hold:
    return Hold(
        lambda: _(
            "Domain names still registered through Ilait AB, and the details of who holds "
            "them, which are kept for as long as the domain is registered."
        )
    )


def _company_hold(row: Company) -> Hold | None:
    if _holds_registered_domain(Domain.holder_company_id == row.id):
        return _domain_holder_hold()
    return None


def _contact_hold(row: Contact) -> Hold | None:
    if _holds_registered_domain(Domain.holder_contact_id == row.id):
        return _domain_holder_hold()
    return None


def _domain_hold(row: Domain) -> Hold | None:
    return _domain_holder_hold() if row.status in ACTIVE_STATUSES else None


def _request_hold(row: DataSubjectRequest) -> Hold:
    return Hold(
        lambda: _(
            "Your requests to us about your data and our answers, so that we can show how we "
            "handled them (GDPR art. 5(2)). They are deleted %(duration)s after we answer.",
            duration=duration(current_app.config["DATA_REQUEST_RETENTION_DAYS"]),
        )
    )


# Parents before children: erasure deletes in the reverse order.
LINKS: list[Link] = [
    Link(
        "company",
        _l("company details"),
        Company,
        lambda s: select(Company).where(Company.id.in_(s.company_ids())),
        hold=_company_hold,
    ),
    Link(
        "contact",
        _l("contact details"),
        Contact,
        lambda s: select(Contact).where(Contact.id.in_(s.contact_ids())),
        hold=_contact_hold,
    ),
    Link(
        "order",
        _l("orders"),
        Order,
        lambda s: select(Order).where(Order.id.in_(_orders(s))),
    ),
    Link(
        "order_line",
        _l("what was ordered"),
        OrderLine,
        lambda s: select(OrderLine).where(OrderLine.order_id.in_(_orders(s))),
    ),
    Link(
        "invoice",
        _l("invoices and credit notes"),
        Invoice,
        lambda s: select(Invoice).where(Invoice.id.in_(_invoices(s))),
        hold=_invoice_hold,
    ),
    Link(
        "invoice_line",
        _l("invoice lines"),
        InvoiceLine,
        lambda s: select(InvoiceLine).where(InvoiceLine.invoice_id.in_(_invoices(s))),
        hold=_invoice_hold,
    ),
    Link(
        "domain",
        _l("domain names"),
        Domain,
        lambda s: select(Domain).where(Domain.id.in_(_domains(s))),
        hold=_domain_hold,
    ),
    # Whether they get newsletters and on what basis; sent newsletters lose their link to it.
    Link(
        "newsletter_subscription",
        _l("whether you receive our newsletter, and why"),
        NewsletterSubscription,
        lambda s: select(NewsletterSubscription).where(
            NewsletterSubscription.contact_id.in_(s.contact_ids())
        ),
    ),
    # The record of what was sent to whom: it names the recipients erasure must tell (art. 19).
    Link(
        "disclosure",
        _l("records of what we sent to Ilait AB"),
        Disclosure,
        lambda s: select(Disclosure).where(
            or_(
                Disclosure.company_id.in_(s.company_ids()),
                Disclosure.contact_id.in_(s.contact_ids()),
            )
        ),
    ),
    Link(
        "note",
        _l("notes our staff wrote"),
        Note,
        lambda s: select(Note).where(
            or_(Note.company_id.in_(s.company_ids()), Note.contact_id.in_(s.contact_ids()))
        ),
    ),
    # A call-back request names no contact; the phone number it was left with is the link.
    Link(
        "callback_request",
        _l("requests to be called back"),
        CallbackRequest,
        lambda s: select(CallbackRequest).where(CallbackRequest.phone.in_(_contact_phones(s))),
    ),
    # The request itself must show, for as long as a complaint can be made, how it was answered.
    Link(
        "data_subject_request",
        _l("your requests about your data"),
        DataSubjectRequest,
        lambda s: select(DataSubjectRequest).where(
            or_(
                DataSubjectRequest.company_id.in_(s.company_ids()),
                DataSubjectRequest.contact_id.in_(s.contact_ids()),
            )
        ),
        hold=_request_hold,
    ),
]


def email_addresses(subject: Subject) -> list[str]:
    """Every e-mail address the subject gave us, with their contacts or their orders."""
    orders = select(Order.buyer_email).where(Order.id.in_(_orders(subject)))
    found = set(db.session.scalars(_contact_emails(subject))) | set(db.session.scalars(orders))
    return sorted(found)


def recipients_for(subject: Subject) -> list[str]:
    """Everyone outside the company who received the subject's data (GDPR art. 19)."""
    query = (
        select(Disclosure.recipient)
        .where(
            or_(
                Disclosure.company_id.in_(subject.company_ids()),
                Disclosure.contact_id.in_(subject.contact_ids()),
            )
        )
        .distinct()
        .order_by(Disclosure.recipient)
    )
    return list(db.session.scalars(query))


def rows_for(subject: Subject) -> dict[str, list]:
    """Every linked row, per table name, in the order of the links."""
    return {link.name: list(db.session.scalars(link.rows(subject))) for link in LINKS}


def subject_of(request: DataSubjectRequest) -> Subject:
    """The subject a registered request is about."""
    return Subject(company_id=request.company_id, contact_id=request.contact_id)
