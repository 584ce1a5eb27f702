"""Orders: the list, one order with its lines, domains and invoices, and its status."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from joans.models.catalogue import PERIOD_LABELS
from joans.models.domains import DOMAIN_STATUS_LABELS
from joans.models.orders import STATUS_LABELS, OrderStatus
from joans.services import domains as domain_service
from joans.services import invoices as invoice_service
from joans.services import orders as order_service
from joans.services.invoices import InvoiceError
from joans.staff.blueprint import bp
from joans.staff.dashboard import Panel, dashboard_panel
from joans.staff.forms import ConfirmForm
from joans.staff.listing import list_params

STATUS_CHANGE_MESSAGES = {
    OrderStatus.CONFIRMED: _l("The order is confirmed."),
    OrderStatus.CANCELLED: _l("The order is cancelled."),
    OrderStatus.DONE: _l("The order is done."),
}

# The buyer fields, as staff read them where an order differs from the register.
FIELD_LABELS = {
    "company_name": _l("company name"),
    "vat_number": _l("VAT number"),
    "street": _l("street address"),
    "postal_code": _l("postal code"),
    "city": _l("city"),
    "first_name": _l("first name"),
    "last_name": _l("last name"),
    "phone": _l("phone"),
}


@bp.get("/orders")
def orders():
    """Orders, newest first; ?status=received shows one status."""
    status = request.args.get("status")
    status = status if status in STATUS_LABELS else None
    params = list_params({}, "created")
    page = order_service.list_orders(status=status, page=params.page, per_page=params.per_page)
    return render_template("staff/orders.html", page=page, status=status, statuses=STATUS_LABELS)


@bp.get("/orders/<int:order_id>")
def order_detail(order_id: int):
    """One order: the buyer as typed, the lines, its domains and invoices, what can be done."""
    order = order_service.view_order(order_id, actor_id=current_user.id) or abort(404)
    return render_template(
        "staff/order.html",
        order=order,
        totals=order_service.OrderTotals(order),
        domains=order_service.order_domains(order),
        invoices=invoice_service.invoices_of(order),
        differences=[str(FIELD_LABELS[name]) for name in order_service.register_differences(order)],
        allowed=order_service.STAFF_TRANSITIONS[OrderStatus(order.status)],
        statuses=STATUS_LABELS,
        domain_statuses=DOMAIN_STATUS_LABELS,
        periods=PERIOD_LABELS,
        form=ConfirmForm(),
    )


@bp.post("/orders/<int:order_id>/status/<status>")
def order_status(order_id: int, status: str):
    """Confirm, cancel or finish an order; confirming hands its domains to the registrar."""
    if not ConfirmForm().validate_on_submit() or status not in STATUS_CHANGE_MESSAGES:
        abort(400)
    order = order_service.change_order_status(order_id, status, actor_id=current_user.id)
    if order is None:
        flash(_("The order could not change to that status. Reload and look again."), "info")
        return redirect(url_for("staff.order_detail", order_id=order_id))
    flash(STATUS_CHANGE_MESSAGES[status], "success")
    if status == OrderStatus.CONFIRMED:
        sent, failed = domain_service.hand_off_order_domains(order, actor_id=current_user.id)
        if sent:
            message = ngettext(
                "%(num)d domain name was sent to the registrar.",
                "%(num)d domain names were sent to the registrar.",
                sent,
            )
            flash(message, "success")
        if failed:
            message = ngettext(
                "%(num)d domain name could not be sent to the registrar. Try again from its page.",
                "%(num)d domain names could not be sent to the registrar. "
                "Try again from their pages.",
                failed,
            )
            flash(message, "warning")
    return redirect(url_for("staff.order_detail", order_id=order_id))


@bp.post("/orders/<int:order_id>/invoice")
def order_invoice(order_id: int):
    """Issue the order's invoice and e-mail it to the buyer."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        invoice = invoice_service.issue_invoice(order_id, actor_id=current_user.id)
    except InvoiceError as error:
        flash(str(error.args[0]), "warning")
        return redirect(url_for("staff.order_detail", order_id=order_id))
    flash(_("Invoice %(number)s is issued.", number=invoice.number), "success")
    _send(invoice.id)
    return redirect(url_for("staff.invoice_detail", invoice_id=invoice.id))


def _send(invoice_id: int) -> None:
    try:
        invoice_service.send_invoice(invoice_id, actor_id=current_user.id)
    except InvoiceError as error:
        flash(str(error.args[0]), "warning")
    else:
        flash(_("The invoice is sent to the buyer."), "success")


@dashboard_panel
def orders_panel() -> Panel:
    """How many orders wait for someone to confirm them."""
    count, oldest = order_service.waiting_orders()
    return Panel(
        _l("Orders waiting"),
        "staff/panels/orders.html",
        {"count": count, "oldest": oldest},
        order=20,
    )
