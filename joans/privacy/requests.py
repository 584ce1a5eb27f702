"""Data-subject requests: register, check identity, see what is due, close with the answer.

Exporting and erasing need an open request of the right kind whose requester's identity staff
have confirmed; every function here that shows or deletes data checks it first
(:mod:`joans.privacy.identity`), so no caller can skip it.
"""

from __future__ import annotations

import calendar
from datetime import date

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from joans.audit import record_event, record_view
from joans.extensions import db
from joans.models.crm import Contact
from joans.models.data_requests import DataSubjectRequest, IdentityCheck, RequestKind
from joans.models.types import utcnow
from joans.privacy.erasure import ErasurePlan, erase_subject, plan_erasure
from joans.privacy.export import build_export, export_rows
from joans.privacy.identity import ensure_answerable
from joans.privacy.subjects import recipients_for, subject_of


def due_date(received_on: date) -> date:
    """One month after receipt (GDPR art. 12(3)).

    A period of one month ends on the same date of the next month, or on that month's last day
    when it has no such date (Regulation 1182/71 art. 3(2)(c)): 31 January gives 28 or 29
    February.
    """
    if received_on.month == 12:
        year, month = received_on.year + 1, 1
    else:
        year, month = received_on.year, received_on.month + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(received_on.day, last_day))


def register_request(
    *,
    kind: RequestKind,
    received_on: date,
    requester_name: str,
    requester_email: str | None,
    language: str,
    actor_id: int,
    company_id: int | None = None,
    contact_id: int | None = None,
) -> DataSubjectRequest:
    """Record a request as received, with its due date; a contact brings its company along."""
    if contact_id is not None and company_id is None:
        contact = db.session.get(Contact, contact_id)
        company_id = contact.company_id if contact else None
    request = DataSubjectRequest(
        kind=kind,
        received_on=received_on,
        due_on=due_date(received_on),
        requester_name=requester_name,
        requester_email=requester_email,
        language=language,
        company_id=company_id,
        contact_id=contact_id,
        registered_by_id=actor_id,
    )
    db.session.add(request)
    db.session.flush()
    record_event(
        "data_request.registered",
        actor_id=actor_id,
        subject_type="data_subject_request",
        subject_id=request.id,
        kind=str(kind),
    )
    db.session.commit()
    return request


def view_request(request_id: int, *, actor_id: int) -> DataSubjectRequest | None:
    """One request for a staff member; the view is audited."""
    request = db.session.get(DataSubjectRequest, request_id)
    return record_view(request, "data_request.viewed", "data_subject_request", actor_id=actor_id)


def request_to_answer(request_id: int, kind: RequestKind) -> DataSubjectRequest | None:
    """The open request of ``kind`` to export or erase; None when there is none.

    Raises :class:`IdentityNotChecked` while nobody has confirmed who is asking.
    """
    request = find_open_request(request_id)
    if request is None or request.kind != kind:
        return None
    ensure_answerable(request, kind)
    return request


def find_open_request(request_id: int) -> DataSubjectRequest | None:
    """An open request by id; None when there is none or it is closed already."""
    request = db.session.get(DataSubjectRequest, request_id)
    return request if request is not None and request.is_open else None


def record_identity_check(
    request: DataSubjectRequest, method: IdentityCheck, *, actor_id: int
) -> None:
    """Note how the requester's identity was confirmed, by whom and when."""
    request.identity_check = method
    request.identity_checked_by_id = actor_id
    request.identity_checked_at = utcnow()
    record_event(
        "data_request.identity_checked",
        actor_id=actor_id,
        subject_type="data_subject_request",
        subject_id=request.id,
        method=str(method),
    )
    db.session.commit()


def close_request(request: DataSubjectRequest, note: str, *, actor_id: int) -> None:
    """Close a request with a note on what was done and answered."""
    request.closed_at = utcnow()
    request.closed_by_id = actor_id
    request.closing_note = note
    record_event(
        "data_request.closed",
        actor_id=actor_id,
        subject_type="data_subject_request",
        subject_id=request.id,
    )
    db.session.commit()


def open_requests() -> list[DataSubjectRequest]:
    """Requests not yet answered, the one due first at the top."""
    query = (
        select(DataSubjectRequest)
        .where(DataSubjectRequest.closed_at.is_(None))
        .order_by(DataSubjectRequest.due_on, DataSubjectRequest.id)
    )
    return list(db.session.scalars(query))


def recently_closed(limit: int = 50) -> list[DataSubjectRequest]:
    """The latest answered requests, newest first."""
    query = (
        select(DataSubjectRequest)
        .where(DataSubjectRequest.closed_at.is_not(None))
        .order_by(DataSubjectRequest.closed_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def export_summary(request: DataSubjectRequest) -> dict[str, int]:
    """How many records of each kind the access export will hold."""
    ensure_answerable(request, RequestKind.ACCESS)
    return {name: len(rows) for name, rows in export_rows(request).items() if rows}


def export_data(request: DataSubjectRequest, *, actor_id: int) -> bytes:
    """The access export as a zip; the audit log records who built it and how much it held."""
    archive = build_export(request)  # checks the request first
    record_event(
        "data_request.exported",
        actor_id=actor_id,
        subject_type="data_subject_request",
        subject_id=request.id,
        records=export_summary(request),
    )
    db.session.commit()
    return archive


def recipients_to_tell(request: DataSubjectRequest) -> list[str]:
    """Who outside the company received the data a rectification or erasure concerns.

    GDPR art. 19: each of them must be told of the correction or deletion.
    """
    return recipients_for(subject_of(request))


def erasure_plan(request: DataSubjectRequest) -> ErasurePlan:
    """What erasure would delete and keep, before anything is deleted."""
    ensure_answerable(request, RequestKind.ERASURE)
    return plan_erasure(subject_of(request))


def erase(request: DataSubjectRequest, *, actor_id: int) -> str:
    """Erase the subject's data (one transaction, audited) and return the answer to send."""
    plan = erase_subject(request, actor_id=actor_id)  # checks the request first
    return erasure_answer(request, plan)


def erasure_answer(request: DataSubjectRequest, plan: ErasurePlan) -> str:
    """The letter to the requester: what was deleted, what was kept, why and until when."""
    with force_locale(request.language):
        return render_template(
            "email/erasure_answer.txt",
            request=request,
            deleted=plan.deleted_labels(),
            held=plan.held_reasons(),
            recipients=plan.recipients,
        )
