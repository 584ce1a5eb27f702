"""The catalogue, edited by admins: what the order form offers and at which price."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from joans.models.catalogue import KIND_LABELS, PERIOD_LABELS
from joans.services import catalogue
from joans.staff.blueprint import admin_only, bp
from joans.staff.order_forms import ProductForm

CLASH_MESSAGES = {
    "code": _l("Another product has this code."),
    "tld": _l("Another product registers this top-level domain."),
}


@bp.get("/products")
@admin_only
def products():
    """Every product with its price and whether it can be ordered."""
    return render_template(
        "staff/products.html",
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
    return render_template("staff/product_form.html", form=form, product=None)


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
    return render_template("staff/product_form.html", form=form, product=product)


def _clashes(form: ProductForm, exclude_id: int | None = None) -> bool:
    found = catalogue.clashes(form.values(), exclude_id=exclude_id)
    for name in found:
        form[name].errors.append(CLASH_MESSAGES[name])
    return bool(found)
