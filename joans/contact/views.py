"""The contact page with the call-back form, and the thank-you page it redirects to."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from joans.consent.page_cache import cached_page
from joans.contact.forms import CallbackForm
from joans.contact.services import submit_callback_request
from joans.extensions import limiter
from joans.i18n import current_language, localized_route
from joans.privacy.retention import callback_max_age

bp = Blueprint("contact", __name__)


def _rate_limit() -> str:
    return current_app.config["CALLBACK_RATE_LIMIT"]


@localized_route(bp, {"sv": "/kontakt", "en": "/en/contact"}, methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def form():
    """Our contact details and the form to ask for a call; post/redirect/get on success."""
    if request.method != "POST":
        return _blank_form()
    form = CallbackForm()
    if form.validate_on_submit():
        submit_callback_request(
            name=form.name.data,
            phone=form.phone.data,
            service=form.service.data,
            language=current_language(),
        )
        return redirect(url_for("contact.thanks"), code=303)
    return render_template("contact/form.html", form=form, **_retention()), 422


@cached_page
def _blank_form() -> str:
    # The same for every visitor but for the signed time it was shown, set per response.
    return render_template("contact/form.html", form=CallbackForm(), **_retention())


@localized_route(bp, {"sv": "/kontakt/tack", "en": "/en/contact/thank-you"}, page=False)
def thanks():
    """What happens next: when we call, and when the data is deleted."""
    return render_template("contact/thanks.html", **_retention())


def _retention() -> dict:
    return {"max_age_days": callback_max_age().days}
