"""Call-back requests: received from the contact form, followed up by staff, then deleted.

The privacy policy promises that a visitor's name and phone number are used only to follow up
and are then deleted: handling a request hard-deletes it, and the audit trail keeps only the
fact that it was handled. Requests nobody handles are deleted by the "callback" retention rule.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from joans.areas import external_url
from joans.audit import record_event
from joans.extensions import db
from joans.mail import send_email, staff_addresses
from joans.models.callbacks import CallbackRequest
from joans.models.types import utcnow
from joans.privacy.retention import callback_deadline, callback_max_age


def submit_callback_request(
    *, name: str, phone: str, service: str | None, language: str
) -> CallbackRequest:
    """Store a visitor's request, then tell staff that one is waiting (without who or what).

    The request is committed before any e-mail is attempted, so a mail failure loses nothing.
    """
    callback = CallbackRequest(name=name, phone=phone, service=service or None, language=language)
    db.session.add(callback)
    db.session.flush()
    record_event(
        "callback_request.received", subject_type="callback_request", subject_id=callback.id
    )
    db.session.commit()
    notify_staff(callback.id)
    return callback


def notify_staff(request_id: int) -> None:
    """E-mail each configured staff address a link to the inbox; log failures, never raise."""
    language = current_app.config["CALLBACK_NOTIFY_LANGUAGE"]
    context = {
        "inbox_url": external_url("staff.callbacks"),
        "max_age_days": callback_max_age().days,
        "language_code": language,
    }
    for address in staff_addresses("CALLBACK_NOTIFY_EMAILS"):
        try:
            send_email(
                to=address,
                subject=_l("New call-back request"),
                template="callback_requested",
                language=language,
                **context,
            )
        except (smtplib.SMTPException, OSError) as error:
            # The request id and the error's type only: SMTP errors quote addresses.
            current_app.logger.error(
                "Call-back request %d is stored, but a staff notification failed (%s)",
                request_id,
                type(error).__name__,
            )


@dataclass(frozen=True)
class OpenCallbackRequest:
    """A request waiting for a call, with how long it has waited and when it will be deleted."""

    request: CallbackRequest
    age: timedelta
    delete_by: datetime


def list_open_callback_requests(now: datetime | None = None) -> list[OpenCallbackRequest]:
    """Every request nobody has handled yet, oldest first."""
    now = now or utcnow()
    query = select(CallbackRequest).order_by(CallbackRequest.created_at, CallbackRequest.id)
    return [
        OpenCallbackRequest(
            request=callback,
            age=now - callback.created_at,
            delete_by=callback_deadline(callback.created_at),
        )
        for callback in db.session.scalars(query)
    ]


def view_open_callback_requests(*, actor_id: int) -> list[OpenCallbackRequest]:
    """The open requests for the inbox page, which shows names and numbers: who looked, and at
    how many, goes on the record."""
    requests = list_open_callback_requests()
    if requests:
        record_event("callback_request.listed", actor_id=actor_id, count=len(requests))
        db.session.commit()
    return requests


def mark_callback_handled(request_id: int, actor_id: int | None) -> bool:
    """Delete a request once staff have called; False if it was already gone.

    A single DELETE decides, so two staff members pressing the button at once record one
    handling, not two. The audit event names the request id and the actor, never the person.
    """
    deleted = db.session.execute(
        delete(CallbackRequest).where(CallbackRequest.id == request_id)
    ).rowcount
    if not deleted:
        return False
    record_event(
        "callback_request.handled",
        actor_id=actor_id,
        subject_type="callback_request",
        subject_id=request_id,
    )
    db.session.commit()
    return True
