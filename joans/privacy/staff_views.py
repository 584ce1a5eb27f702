"""Data-subject requests in the back office, and the record of processing activities."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from joans.backoffice import admin_only, bp, recent_login_required
from joans.backoffice.dashboard import Panel, dashboard_panel
from joans.backoffice.forms import ConfirmForm
from joans.extensions import db
from joans.models.crm import Company, Contact
from joans.models.data_requests import IdentityCheck, RequestKind
from joans.models.types import utcnow
from joans.privacy import requests as data_requests
from joans.privacy.identity import IdentityNotChecked
from joans.privacy.records import processing_activities
from joans.privacy.staff_forms import (
    IDENTITY_CHECK_LABELS,
    KIND_LABELS,
    CloseRequestForm,
    DataRequestForm,
    IdentityCheckForm,
)

# --- Data-subject requests -------------------------------------------------------------------


@bp.get("/requests")
def data_requests_list():
    """Open requests, the one due first at the top, then the latest answered ones."""
    return render_template(
        "privacy/data_requests.html",
        open_requests=data_requests.open_requests(),
        closed_requests=data_requests.recently_closed(),
        kinds=KIND_LABELS,
        today=utcnow().date(),
    )


@bp.route("/requests/new", methods=["GET", "POST"])
def data_request_new():
    """Register a request; opened from a contact or company, it is linked to that record."""
    form = DataRequestForm()
    if request.method == "GET":
        form.received_on.data = utcnow().date()
        _prefill_from_record(form)
    if form.validate_on_submit():
        created = data_requests.register_request(
            kind=RequestKind(form.kind.data),
            received_on=form.received_on.data,
            requester_name=form.requester_name.data,
            requester_email=form.requester_email.data or None,
            language=form.language.data,
            actor_id=current_user.id,
            company_id=_existing_id(Company, form.company_id.data),
            contact_id=_existing_id(Contact, form.contact_id.data),
        )
        flash(_("The request is registered."), "success")
        return redirect(url_for("staff.data_request_detail", request_id=created.id))
    return render_template("privacy/data_request_form.html", form=form)


def _prefill_from_record(form: DataRequestForm) -> None:
    contact = _record(Contact, request.args.get("contact_id"))
    company = _record(Company, request.args.get("company_id"))
    if contact is not None:
        form.contact_id.data = contact.id
        form.requester_name.data = f"{contact.first_name} {contact.last_name}"
        form.requester_email.data = contact.email
    if company is not None:
        form.company_id.data = company.id


def _record(model, raw_id: str | None):
    return db.session.get(model, int(raw_id)) if raw_id and raw_id.isdigit() else None


def _existing_id(model, raw_id: str | None) -> int | None:
    record = _record(model, raw_id)
    return record.id if record else None


@bp.get("/requests/<int:request_id>")
def data_request_detail(request_id: int):
    """One request: who asks, what for, when it is due, and the steps to answer it."""
    found = data_requests.view_request(request_id, actor_id=current_user.id) or abort(404)
    return _detail_page(found)


def _detail_page(found, *, identity_form=None, close_form=None):
    # Erasure lists its recipients on its own review page; a correction is made on the records
    # themselves, so the request page is where staff learn whom to tell (GDPR art. 19).
    rectifying = found.is_open and found.kind == RequestKind.RECTIFICATION
    return render_template(
        "privacy/data_request.html",
        data_request=found,
        recipients=data_requests.recipients_to_tell(found) if rectifying else [],
        kinds=KIND_LABELS,
        identity_checks=IDENTITY_CHECK_LABELS,
        identity_form=identity_form or IdentityCheckForm(),
        close_form=close_form or CloseRequestForm(),
        today=utcnow().date(),
    )


@bp.post("/requests/<int:request_id>/identity")
def data_request_identity(request_id: int):
    """Record how the requester's identity was confirmed."""
    found = data_requests.find_open_request(request_id) or abort(404)
    form = IdentityCheckForm()
    if not form.validate_on_submit():
        return _detail_page(found, identity_form=form), 422
    data_requests.record_identity_check(
        found, IdentityCheck(form.method.data), actor_id=current_user.id
    )
    flash(_("The identity check is recorded."), "success")
    return redirect(url_for("staff.data_request_detail", request_id=found.id))


@bp.post("/requests/<int:request_id>/close")
def data_request_close(request_id: int):
    """Close a request with what was done and answered."""
    found = data_requests.find_open_request(request_id) or abort(404)
    form = CloseRequestForm()
    if not form.validate_on_submit():
        return _detail_page(found, close_form=form), 422
    data_requests.close_request(found, form.note.data, actor_id=current_user.id)
    flash(_("The request is closed."), "success")
    return redirect(url_for("staff.data_requests_list"))


@dashboard_panel
def data_requests_panel() -> Panel | None:
    """Open requests and the nearest due date; nothing when none is open."""
    requests = data_requests.open_requests()
    if not requests:
        return None
    return Panel(
        _l("Data requests"),
        "privacy/_panel.html",
        {"count": len(requests), "next_due": requests[0].due_on, "today": utcnow().date()},
        order=20,
    )


def _request_to_answer(request_id: int, kind: RequestKind):
    return data_requests.request_to_answer(request_id, kind) or abort(404)


@bp.errorhandler(IdentityNotChecked)
def _identity_not_checked(error: IdentityNotChecked):
    flash(_("Confirm who is asking before you show or delete anything."), "error")
    return redirect(url_for("staff.data_request_detail", request_id=error.request_id))


@bp.get("/requests/<int:request_id>/export")
@admin_only
@recent_login_required
def data_request_export(request_id: int):
    """What the access export will hold, and the button that builds it."""
    found = _request_to_answer(request_id, RequestKind.ACCESS)
    return render_template(
        "privacy/data_request_export.html",
        data_request=found,
        counts=data_requests.export_summary(found),
        form=ConfirmForm(),
    )


@bp.post("/requests/<int:request_id>/export")
@admin_only
@recent_login_required
def data_request_export_download(request_id: int):
    """Download the zip to send to the requester."""
    found = _request_to_answer(request_id, RequestKind.ACCESS)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.data_request_detail", request_id=found.id))
    archive = data_requests.export_data(found, actor_id=current_user.id)
    return Response(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="data-request-{found.id}.zip"'},
    )


@bp.get("/requests/<int:request_id>/erasure")
@admin_only
@recent_login_required
def data_request_erasure(request_id: int):
    """What erasure will delete and what the law makes us keep, before anything is deleted."""
    found = _request_to_answer(request_id, RequestKind.ERASURE)
    return render_template(
        "privacy/data_request_erasure.html",
        data_request=found,
        plan=data_requests.erasure_plan(found),
        form=ConfirmForm(),
    )


@bp.post("/requests/<int:request_id>/erasure")
@admin_only
@recent_login_required
def data_request_erase(request_id: int):
    """Erase, then show the answer to send; it is also put in the closing note."""
    found = _request_to_answer(request_id, RequestKind.ERASURE)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.data_request_detail", request_id=found.id))
    answer = data_requests.erase(found, actor_id=current_user.id)
    flash(_("The data is deleted. Send the answer below and close the request."), "success")
    return _detail_page(found, close_form=CloseRequestForm(note=answer))


# --- The record of processing activities -----------------------------------------------------


@bp.get("/privacy")
def privacy_record():
    """Every purpose with its data, tables, legal bases, retention and recipients."""
    config = current_app.config
    session_limits = SimpleNamespace(
        idle=timedelta(seconds=config["STAFF_IDLE_TIMEOUT"]),
        absolute=timedelta(seconds=config["STAFF_ABSOLUTE_TIMEOUT"]),
    )
    return render_template(
        "privacy/privacy_record.html",
        activities=processing_activities(),
        session_limits=session_limits,
    )
