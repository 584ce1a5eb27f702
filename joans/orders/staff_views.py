"""Orders in the back office: the list, one order, its status and invoice; the catalogue."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from joans.backoffice import admin_only, bp
from joans.backoffice.dashboard import Panel, dashboard_panel
from joans.backoffice.forms import ConfirmForm
from joans.backoffice.listing import list_params
from joans.billing import invoices as invoice_service
from joans.billing.invoices import InvoiceError
from joans.models.catalogue import KIND_LABELS, PERIOD_LABELS
from joans.models.domains import DOMAIN_STATUS_LABELS
from joans.models.orders import STATUS_LABELS, OrderStatus
from joans.orders import catalogue
from joans.orders import services as order_service
from joans.orders.staff_forms import ProductForm

# --- Orders ----------------------------------------------------------------------------------


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
    return render_template("orders/orders.html", page=page, status=status, statuses=STATUS_LABELS)


@bp.get("/orders/<int:order_id>")
def order_detail(order_id: int):
    """One order: the buyer as typed, the lines, its domains and invoices, what can be done."""
    order = order_service.view_order(order_id, actor_id=current_user.id) or abort(404)
    return render_template(
        "orders/order.html",
        order=order,
        totals=order_service.order_totals(order),
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
    if status == OrderStatus.CONFIRMED:
        confirmation = order_service.confirm_order(order_id, actor_id=current_user.id)
        order = confirmation.order if confirmation else None
    else:
        confirmation = None
        order = order_service.change_order_status(order_id, status, actor_id=current_user.id)
    if order is None:
        flash(_("The order could not change to that status. Reload and look again."), "info")
        return redirect(url_for("staff.order_detail", order_id=order_id))
    flash(STATUS_CHANGE_MESSAGES[status], "success")
    if confirmation:
        _flash_hand_off(confirmation)
    return redirect(url_for("staff.order_detail", order_id=order_id))


def _flash_hand_off(confirmation: order_service.Confirmation) -> None:
    if sent := confirmation.domains_sent:
        message = ngettext(
            "%(num)d domain name was sent to the registrar.",
            "%(num)d domain names were sent to the registrar.",
            sent,
        )
        flash(message, "success")
    if not_sent := confirmation.domains_not_sent:
        message = ngettext(
            "%(num)d domain name could not be sent to the registrar. Try again from its page.",
            "%(num)d domain names could not be sent to the registrar. Try again from their pages.",
            not_sent,
        )
        flash(message, "warning")


@bp.post("/orders/<int:order_id>/invoice")
def order_invoice(order_id: int):
    """Issue the order's invoice and e-mail it to the buyer."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        issued = invoice_service.issue_and_send_invoice(order_id, actor_id=current_user.id)
    except InvoiceError as error:
        flash(str(error.args[0]), "warning")
        return redirect(url_for("staff.order_detail", order_id=order_id))
    flash(_("Invoice %(number)s is issued.", number=issued.invoice.number), "success")
    if issued.send_error:
        flash(str(issued.send_error.args[0]), "warning")
    else:
        flash(_("The invoice is sent to the buyer."), "success")
    return redirect(url_for("staff.invoice_detail", invoice_id=issued.invoice.id))


@dashboard_panel
def orders_panel() -> Panel:
    """How many orders wait for someone to confirm them."""
    count, oldest = order_service.waiting_orders()
    return Panel(
        _l("Orders waiting"),
        "orders/_panel.html",
        {"count": count, "oldest": oldest},
        order=20,
    )


# --- The catalogue (admins) ------------------------------------------------------------------


CLASH_MESSAGES = {
    "code": _l("Another product has this code."),
    "tld": _l("Another product registers this top-level domain."),
}


@bp.get("/products")
@admin_only
def products():
    """Every product with its price and whether it can be ordered."""
    return render_template(
        "orders/catalogue.html",
        products=catalogue.list_products(),
        kinds=KIND_LABELS,
        periods=PERIOD_LABELS,
    )


@bp.route("/products/new", methods=["GET", "POST"])
@admin_only
def product_new():
    """Add a product."""
    form = ProductForm()
    if form.validate_on_submit() and not _clashes(form):
        catalogue.create_product(form.values(), actor_id=current_user.id)
        flash(_("The product is saved."), "success")
        return redirect(url_for("staff.products"))
    return render_template("orders/product_form.html", form=form, product=None)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@admin_only
def product_edit(product_id: int):
    """Change a product; orders already placed keep their prices."""
    product = catalogue.find_product(product_id) or abort(404)
    form = ProductForm(obj=product)
    if not form.is_submitted():
        form.price.data = f"{product.price_ore // 100}.{product.price_ore % 100:02d}"
        form.position.data = str(product.position)
    if form.validate_on_submit() and not _clashes(form, product.id):
        catalogue.update_product(product, form.values(), actor_id=current_user.id)
        flash(_("The product is saved."), "success")
        return redirect(url_for("staff.products"))
    return render_template("orders/product_form.html", form=form, product=product)


def _clashes(form: ProductForm, exclude_id: int | None = None) -> bool:
    found = catalogue.clashes(form.values(), exclude_id=exclude_id)
    for name in found:
        form[name].errors.append(CLASH_MESSAGES[name])
    return bool(found)
