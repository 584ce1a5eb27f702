"""The order form: products and domains, the buyer, a review, and the confirmation page.

Every step posts to the same address with the signed state of the steps before it; the last
post places the order through :func:`joans.orders.services.place_order` and redirects
(post/redirect/get) to a confirmation page whose URL holds a signed order id, nothing personal.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from joans.extensions import db, limiter
from joans.i18n import current_language, localized_route
from joans.models.catalogue import PERIOD_LABELS
from joans.models.orders import Order
from joans.models.types import utcnow
from joans.money import format_money
from joans.orders import services as order_service
from joans.orders.forms import BuyerForm, ReviewForm, products_form
from joans.orders.services import OrderError, PricesChanged, order_totals
from joans.orders.state import OrderState, confirmation_token, order_id_from_token

bp = Blueprint("orders", __name__)


@bp.app_template_filter("money")
def money_filter(ore: int, language: str | None = None) -> str:
    """Öre as kronor in the page's (or the given) language."""
    return format_money(ore, language)


def _rate_limit() -> str:
    return current_app.config["ORDERS_RATE_LIMIT"]


@localized_route(bp, {"sv": "/bestall", "en": "/en/order"}, methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def order():
    """Each step validates its own fields and shows the next; errors show the same step again."""
    if request.method == "GET":
        return _products_page(OrderState())
    state = OrderState.loads(request.form.get("state", ""))
    if state is None:
        notice = _("The order form had expired, so we could not continue. Please start again.")
        return _products_page(OrderState(), notice=notice, status=422)
    action = request.form.get("action", "")
    if state.step == "products":
        return _products_step(state, action)
    if state.step == "buyer":
        return _buyer_step(state, action)
    return _review_step(state, action)


# --- Step 1: products and domains -------------------------------------------------------------


def _domain_slots(formdata, extra: int = 0) -> int:
    posted = sum(1 for name in formdata if name.startswith("domains-"))
    limit = current_app.config["ORDERS_MAX_DOMAINS"]
    return max(1, min(posted + extra, limit))


def _products_form(formdata=None, state: OrderState | None = None, extra_slot: int = 0):
    products = order_service.orderable_products()
    tlds = frozenset(order_service.domain_products())
    if formdata is not None:
        form_class = products_form(products, tlds, _domain_slots(formdata, extra_slot))
        return form_class(formdata=formdata), products
    # Coming back to the step: the form shows what the state holds.
    chosen = dict(state.quantities) if state else {}
    data = MultiDict()
    for product in products:
        if product.id in chosen:
            data[f"quantity_{product.id}"] = str(chosen[product.id])
    for index, name in enumerate(state.domains if state else []):
        data[f"domains-{index}"] = name
    form_class = products_form(products, tlds, max(1, len(state.domains) if state else 1))
    return form_class(formdata=data), products


def _products_page(state, *, form=None, notice=None, status=200):
    if form is None:
        form, products = _products_form(state=state)
    else:
        products = order_service.orderable_products()
    state.step = "products"
    for index, entry in enumerate(form.domains.entries):
        if index:
            entry.label.text = _("Domain name %(number)d", number=index + 1)
    error_fields = [form[f"quantity_{product.id}"] for product in products]
    return render_template(
        "orders/products.html",
        form=form,
        error_fields=[*error_fields, *form.domains.entries],
        products=products,
        domain_products=order_service.domain_products(),
        state=state,
        notice=notice,
        period_labels=PERIOD_LABELS,
    ), status


def _products_step(state: OrderState, action: str):
    if action in ("prices-with-vat", "prices-without-vat"):
        state.prices_with_vat = action == "prices-with-vat"
        form = _products_form(request.form)[0]
        return _products_page(state, form=form)
    if action == "add-domain":
        form = _products_form(request.form, extra_slot=1)[0]
        return _products_page(state, form=form)
    form = _products_form(request.form)[0]
    if not form.validate() or form.has_errors:
        return _products_page(state, form=form, status=422)
    problems = {
        index: problem
        for index, entry in enumerate(form.domains.entries)
        if entry.data and (problem := order_service.domain_problem(entry.data))
    }
    if problems:
        for index, problem in problems.items():
            form.domains.entries[index].errors.append(problem)
        return _products_page(state, form=form, status=422)
    if not form.quantities() and not form.domain_names():
        notice = _("Choose at least one product or type a domain name.")
        return _products_page(state, form=form, notice=notice, status=422)
    state.quantities = [list(pair) for pair in form.quantities()]
    state.domains = list(form.domain_names())
    return _buyer_page(state)


# --- Step 2: the buyer ------------------------------------------------------------------------


def _buyer_page(state: OrderState, *, form=None, status=200):
    if form is None:
        data = MultiDict(state.draft or _buyer_formdata(state))
        form = BuyerForm(formdata=data)
    state.step = "buyer"
    return render_template("orders/buyer.html", form=form, state=state), status


def _buyer_formdata(state: OrderState) -> dict:
    if not state.buyer:
        return {}
    data = {name: value for name, value in state.buyer.items() if value}
    if state.newsletter_objection:
        data["newsletter_objection"] = "y"
    return data


def _buyer_step(state: OrderState, action: str):
    form = BuyerForm(formdata=request.form)
    if action == "back":
        state.keep_draft(request.form)
        return _products_page(state)
    if not form.validate():
        return _buyer_page(state, form=form, status=422)
    state.buyer = form.values()
    state.newsletter_objection = form.newsletter_objection.data
    state.draft = {}
    return _review_page(state)


# --- Step 3: review and place -----------------------------------------------------------------


def _review_page(state: OrderState, *, form=None, notice=None, status=200):
    try:
        quote = order_service.quote(state.selection, current_language())
    except OrderError as error:
        return _products_page(state, notice=str(error.args[0]), status=409)
    state.fingerprint = quote.fingerprint
    state.step = "review"
    return render_template(
        "orders/review.html",
        form=form or ReviewForm(formdata=None),
        state=state,
        quote=quote,
        buyer=state.buyer,
        notice=notice,
        period_labels=PERIOD_LABELS,
    ), status


def _review_step(state: OrderState, action: str):
    if action == "edit-products":
        return _products_page(state)
    if action == "edit-buyer":
        state.draft = {}
        return _buyer_page(state)
    form = ReviewForm(formdata=request.form)
    if not form.validate():
        return _review_page(state, form=form, status=422)
    try:
        placed = order_service.place_order(
            submission_key=state.key,
            selection=state.selection,
            buyer=state.buyer_details,
            language=current_language(),
            newsletter_objection=state.newsletter_objection,
            terms_accepted_at=utcnow(),
            fingerprint=state.fingerprint or "",
        )
    except PricesChanged as error:
        notice = _("%(problem)s Check the order again.", problem=error.args[0])
        return _review_page(state, form=form, notice=notice, status=409)
    except OrderError as error:
        return _products_page(state, notice=str(error.args[0]), status=409)
    token = confirmation_token(placed.id)
    return redirect(url_for("orders.confirmation", token=token), code=303)


@localized_route(
    bp, {"sv": "/bestall/tack/<token>", "en": "/en/order/thank-you/<token>"}, page=False
)
def confirmation(token: str):
    """The order number and what happens next; nothing about the buyer."""
    order_id = order_id_from_token(token)
    placed = db.session.get(Order, order_id) if order_id else None
    if placed is None:
        abort(404)
    return render_template(
        "orders/confirmation.html",
        order=placed,
        totals=order_totals(placed),
        period_labels=PERIOD_LABELS,
    )


@localized_route(bp, {"sv": "/villkor", "en": "/en/terms"})
def terms():
    """The terms of purchase."""
    return render_template(
        "orders/terms.html",
        payment_days=current_app.config["INVOICE_PAYMENT_DAYS"],
        registrar=current_app.config["REGISTRAR_NAME"],
    )
