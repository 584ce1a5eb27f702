"""The cookie page and the Accept/Decline endpoint; the hooks that keep GA off other pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.wrappers import Response
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from joans.consent.choice import StoredChoice, expire_analytics_cookies, store_choice
from joans.consent.cookies import site_cookies
from joans.consent.forms import ConsentForm
from joans.consent.layout import analytics_config_json, consent_ui
from joans.consent.log import record_consent
from joans.consent.settings import analytics_configured, check_settings
from joans.consent.visitor import (
    ConsentStatus,
    enters_the_site,
    is_public_page,
    visitor_consent,
)
from joans.extensions import db
from joans.i18n import current_language, localized_route
from joans.models.consent import ConsentMethod

bp = Blueprint("consent", __name__)
bp.record_once(lambda state: check_settings(state.app))
bp.add_app_template_global(consent_ui)
bp.add_app_template_global(analytics_config_json)


@localized_route(bp, {"sv": "/cookies", "en": "/en/cookies"})
def settings():
    """The cookie page: what statistics cookies are for, the current choice, every cookie."""
    return render_template(
        "consent/settings.html",
        cookies=site_cookies(),
        visitor=visitor_consent(),
        analytics=analytics_configured(),
        ConsentStatus=ConsentStatus,
    )


@localized_route(
    bp, {"sv": "/cookies/val", "en": "/en/cookies/choice"}, page=False, methods=["POST"]
)
def choose():
    """Record Accept or Decline, set the consent cookie and go back to the page.

    Our script asks for JSON and gets the answer in place (method "button"); without
    JavaScript the browser posts the form and is redirected back (method "form").
    """
    if not analytics_configured():
        abort(404)
    form = ConsentForm()
    if not form.validate():
        abort(400)
    visitor = visitor_consent()
    by_script = request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )
    record = record_consent(
        accepted=form.accepted,
        method=ConsentMethod.BUTTON if by_script else ConsentMethod.FORM,
        language=current_language(),
        revision=current_app.config["CONSENT_REVISION"],
        consent_id=visitor.stored.consent_id if visitor.stored else None,
        previously_accepted=visitor.status is ConsentStatus.ACCEPTED,
    )
    if by_script:
        response = jsonify(choice=record.choice, message=_saved_message(form.accepted))
    else:
        # 303: the browser follows with a GET, so a reload never re-posts the choice.
        back = form.local_return_path() or url_for("consent.settings")
        response = redirect(back, 303)
    store_choice(
        response,
        StoredChoice(record.consent_id, form.accepted, record.revision, record.recorded_at),
    )
    if not form.accepted:
        # The next page has no GA markup, so GA cannot write these again.
        expire_analytics_cookies(response, request.cookies.keys())
    return response


def _saved_message(accepted: bool) -> str:
    if accepted:
        return _("Thank you. You have accepted statistics cookies.")
    return _(
        "You have declined statistics cookies. You can change your choice at any time under "
        "Cookie settings at the bottom of every page."
    )


@bp.before_app_request
def record_refusal_by_signal() -> None:
    """Log a Global Privacy Control refusal once per visit: when the browser enters the site.

    No cookie may remember the signal, so each entering navigation without a stored choice is
    one refusal; the pages read after it within the site are not logged again.
    """
    if (
        request.method != "GET"
        or not analytics_configured()
        or not is_public_page()
        or not enters_the_site()
        or visitor_consent().status is not ConsentStatus.REFUSED_BY_SIGNAL
    ):
        return
    try:
        record_consent(
            accepted=False,
            method=ConsentMethod.GPC,
            language=current_language(),
            revision=current_app.config["CONSENT_REVISION"],
        )
    except SQLAlchemyError:
        # The signal is honoured either way; a page must not fail because the log is down.
        db.session.rollback()
        current_app.logger.warning("consent log unavailable: a browser-signal refusal was lost")


@bp.after_app_request
def vary_on_consent(response: Response) -> Response:
    """A page that depends on the consent cookie or the GPC header must not be shared by caches."""
    if "visitor_consent" in g:
        response.vary.update(("Cookie", "Sec-GPC"))
    return response
