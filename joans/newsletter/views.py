"""The unsubscribe link of every newsletter, and a way to get one without a newsletter at hand.

The link's page changes nothing on GET, because link scanners open every URL in a mail (N3); a
POST unsubscribes. The same URL takes RFC 8058 one-click requests, which mail providers send
with ``List-Unsubscribe=One-Click``, no cookies, no token and no Referer or Origin: they are
answered 200, never with a redirect (RFC 8058 3.2), however often they come.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from joans.consent.layout import without_statistics
from joans.extensions import limiter
from joans.i18n import current_language, localized_route
from joans.newsletter import subscriptions
from joans.newsletter.forms import LinkRequestForm
from joans.security import allow_cross_site_posts
from joans.validation import mask_email

bp = Blueprint("newsletter", __name__)

ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"


def _private(body: str, status: int = 200) -> Response:
    """A page reached through a personal link: not indexed, not cached, not reported to Google."""
    response = make_response(body, status)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


def _invalid(reason: str) -> Response:
    """The clear 400 page for a link that is not ours, was cut short, or has expired (N2)."""
    return _private(render_template("newsletter/invalid_link.html", reason=reason), 400)


@localized_route(
    bp,
    {"sv": "/nyhetsbrev/avregistrera/<token>", "en": "/en/newsletter/unsubscribe/<token>"},
    page=False,
    methods=["GET", "POST"],
)
@allow_cross_site_posts
def unsubscribe(token: str):
    """GET: whose subscription this is and one button. POST: unsubscribe (one-click too)."""
    without_statistics()
    link = subscriptions.read_unsubscribe_token(token)
    if link is None:
        return _invalid("link")
    if request.method == "GET":
        page = subscriptions.link_page(link)
        return _private(render_template("newsletter/unsubscribe.html", page=page, token=token))
    if request.form.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        return _invalid("request")
    if link.is_test:
        return _private(render_template("newsletter/unsubscribed.html", state="test"))
    result = subscriptions.unsubscribe(link.subscription_id)
    if result is None:
        return _private(render_template("newsletter/unsubscribed.html", state="gone"))
    email = result.subscription.contact.email
    return _private(
        render_template(
            "newsletter/unsubscribed.html",
            state="done" if result.changed else "already",
            masked_address=mask_email(email) if email else None,
            token=token,
            undo=subscriptions.undo_token(result.subscription) if result.changed else None,
        )
    )


@localized_route(
    bp,
    {
        "sv": "/nyhetsbrev/avregistrera/<token>/angra",
        "en": "/en/newsletter/unsubscribe/<token>/undo",
    },
    page=False,
    methods=["POST"],
)
def undo(token: str):
    """Undo an unsubscribe made a moment ago from the confirmation page."""
    without_statistics()
    link = subscriptions.read_unsubscribe_token(token)
    undo = subscriptions.read_undo_token(request.form.get("undo", ""))
    if link is None or link.is_test or undo is None or undo[0] != link.subscription_id:
        return _invalid("undo")
    if not subscriptions.undo_unsubscribe(*undo):
        return _invalid("undo")
    return _private(render_template("newsletter/resubscribed.html"))


def _link_rate_limit() -> str:
    return current_app.config["NEWSLETTER_LINK_RATE_LIMIT"]


@localized_route(
    bp,
    {"sv": "/nyhetsbrev/avregistrera", "en": "/en/newsletter/unsubscribe"},
    methods=["GET", "POST"],
)
@limiter.limit(_link_rate_limit, methods=["POST"])
def request_link():
    """Type an address, get its unsubscribe link by e-mail; the answer never says if it exists."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        response = redirect(url_for("newsletter.link_sent"), code=303)
        response.call_on_close(_send_link_later(form.email.data, current_language()))
        return response
    status = 422 if form.errors else 200
    return render_template("newsletter/request_link.html", form=form), status


def _send_link_later(address: str, language: str) -> Callable[[], None]:
    """Mail the link after the response has gone, so its timing says nothing either."""
    app = current_app._get_current_object()

    def send() -> None:
        with app.app_context():
            subscriptions.send_unsubscribe_link(address, language)

    return send


@localized_route(
    bp,
    {"sv": "/nyhetsbrev/lank-skickad", "en": "/en/newsletter/link-sent"},
    page=False,
)
def link_sent():
    """The same answer for every address: check your inbox."""
    return render_template("newsletter/link_sent.html")
