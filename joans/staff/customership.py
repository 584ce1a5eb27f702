"""Ending a customership: "customer until" starts the clock after which the data goes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from joans.privacy.retention import RULES
from joans.services import crm
from joans.staff.blueprint import bp
from joans.staff.order_forms import EndCustomershipForm


@bp.route("/companies/<int:company_id>/end-customership", methods=["GET", "POST"])
def company_end_customership(company_id: int):
    """Ask for the last day as a customer, say what then happens to the data, and save it."""
    company = crm.find_company(company_id) or abort(404)
    form = EndCustomershipForm()
    if form.validate_on_submit():
        crm.end_customership(company, form.customer_until.data, actor_id=current_user.id)
        flash(
            _("The customership ends on %(date)s.", date=form.customer_until.data.isoformat()),
            "success",
        )
        return redirect(url_for("staff.company_detail", company_id=company.id))
    return render_template(
        "staff/end_customership.html", company=company, form=form, rule=RULES["customer"]
    ), (422 if form.errors else 200)
