"""Domains: the list, one domain with what was sent about it, and the registrar steps."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from joans.backoffice import bp
from joans.backoffice.dashboard import Panel, dashboard_panel
from joans.backoffice.forms import ConfirmForm
from joans.backoffice.listing import list_params
from joans.domains import services as domain_service
from joans.domains.registrar import RegistrarError
from joans.domains.services import DomainStateError
from joans.domains.staff_forms import ExpiryForm, RegistrationForm
from joans.models.domains import DOMAIN_STATUS_LABELS, DomainStatus

NOT_SENT = _l("The request could not be sent to the registrar. Try again later.")
WRONG_STATE = _l("The domain has changed meanwhile. Look at it again.")


@bp.get("/domains")
def domains():
    """Domains by name; ?status=registered shows one status."""
    status = request.args.get("status")
    status = status if status in DOMAIN_STATUS_LABELS else None
    params = list_params({}, "name")
    page = domain_service.list_domains(status=status, page=params.page, per_page=params.per_page)
    return render_template(
        "domains/domains.html", page=page, status=status, statuses=DOMAIN_STATUS_LABELS
    )


@bp.get("/domains/<int:domain_id>")
def domain_detail(domain_id: int):
    """One domain, its holder, its dates and every disclosure about it."""
    domain = domain_service.view_domain(domain_id, actor_id=current_user.id) or abort(404)
    return _detail(domain)


def _detail(domain, registration_form=None, expiry_form=None, status=200):
    return render_template(
        "domains/domain.html",
        domain=domain,
        disclosures=domain_service.disclosures_of(domain),
        statuses=DOMAIN_STATUS_LABELS,
        form=ConfirmForm(),
        registration_form=registration_form or RegistrationForm(),
        expiry_form=expiry_form or ExpiryForm(),
    ), status


def _step(domain_id: int, action, success_message):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action()
    except RegistrarError:
        flash(NOT_SENT, "warning")
    except DomainStateError:
        flash(WRONG_STATE, "info")
    else:
        flash(success_message, "success")
    return redirect(url_for("staff.domain_detail", domain_id=domain_id))


@bp.post("/domains/<int:domain_id>/hand-off")
def domain_hand_off(domain_id: int):
    """Send the registration to the registrar (again, after a failure)."""
    return _step(
        domain_id,
        lambda: domain_service.hand_off_registration(domain_id, actor_id=current_user.id),
        _("The registration is sent to the registrar."),
    )


@bp.post("/domains/<int:domain_id>/renew")
def domain_renew(domain_id: int):
    """Ask the registrar to renew the domain for a year."""
    return _step(
        domain_id,
        lambda: domain_service.renew_domain(domain_id, actor_id=current_user.id),
        _("The renewal is sent to the registrar. Save the new expiry date when it is confirmed."),
    )


@bp.post("/domains/<int:domain_id>/transfer-out")
def domain_transfer_out(domain_id: int):
    """Release the domain to the holder's new provider."""
    return _step(
        domain_id,
        lambda: domain_service.transfer_out(domain_id, actor_id=current_user.id),
        _("The transfer is sent to the registrar."),
    )


@bp.post("/domains/<int:domain_id>/end/<status>")
def domain_end(domain_id: int, status: str):
    """Mark the domain expired or cancelled."""
    if status not in (DomainStatus.EXPIRED, DomainStatus.CANCELLED):
        abort(400)
    return _step(
        domain_id,
        lambda: domain_service.end_domain(domain_id, status, actor_id=current_user.id),
        _("The domain is marked %(status)s.", status=DOMAIN_STATUS_LABELS[status].lower()),
    )


@bp.post("/domains/<int:domain_id>/registration")
def domain_registration(domain_id: int):
    """Record the registrar's confirmation: registration and expiry dates."""
    form = RegistrationForm()
    if not form.validate_on_submit():
        domain = domain_service.view_domain(domain_id, actor_id=current_user.id) or abort(404)
        return _detail(domain, registration_form=form, status=422)
    try:
        domain_service.confirm_registration(
            domain_id,
            registered_on=form.registered_on.data,
            expires_on=form.expires_on.data,
            actor_id=current_user.id,
        )
    except DomainStateError:
        flash(WRONG_STATE, "info")
    else:
        flash(_("The registration is saved."), "success")
    return redirect(url_for("staff.domain_detail", domain_id=domain_id))


@bp.post("/domains/<int:domain_id>/expiry")
def domain_expiry(domain_id: int):
    """Record a new expiry date after a renewal."""
    form = ExpiryForm()
    if not form.validate_on_submit():
        domain = domain_service.view_domain(domain_id, actor_id=current_user.id) or abort(404)
        return _detail(domain, expiry_form=form, status=422)
    try:
        domain_service.record_expiry(
            domain_id, expires_on=form.expires_on.data, actor_id=current_user.id
        )
    except DomainStateError:
        flash(WRONG_STATE, "info")
    else:
        flash(_("The expiry date is saved."), "success")
    return redirect(url_for("staff.domain_detail", domain_id=domain_id))


@dashboard_panel
def domains_panel() -> Panel:
    """Registered domains that expire soon, soonest first."""
    return Panel(
        _l("Domains expiring soon"),
        "domains/_panel.html",
        {"domains": domain_service.expiring_domains()},
        order=30,
    )
