"""Error pages in the visitor's language; a server error rolls the database session back."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from joans import security
from joans.areas import is_staff_path
from joans.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("We could not understand the request. Go back and try again.")),
    403: (
        _l("Access denied"),
        _l(
            "You cannot do this here. If you sent a form, open the page on our website "
            "and send it again from there."
        ),
    ),
    404: (
        _l("Page not found"),
        _l("The page you are looking for does not exist or has moved."),
    ),
    405: (
        _l("Method not allowed"),
        _l("This address cannot be used that way. Open the page from our website instead."),
    ),
    429: (
        _l("Too many requests"),
        _l("You have sent too many requests in a short time. Wait a moment and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An error occurred on our side and we have been notified. Please try again later."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The service is temporarily unavailable. Please try again in a few minutes."),
    ),
}


def init_app(app: Flask) -> None:
    """Render every known error status with the translated error page."""
    for code in MESSAGES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(OperationalError, database_unavailable)


def render_error(error: HTTPException):
    """Render ``error`` as a page in the language of the URL that failed."""
    if isinstance(error, InternalServerError):
        # The failed request may have left the session mid-transaction.
        db.session.rollback()
    # An error page carries no statistics and gets the base CSP, whatever the failed view allowed.
    g.error_page = True
    security.reset_csp_sources()
    title, message = MESSAGES[error.code]
    # Back-office errors keep the back office's layout: no public header, no cookie banner.
    template = (
        "staff/error.html" if request and is_staff_path(request.path) else "errors/error.html"
    )
    response = render_template(template, code=error.code, title=title, message=message)
    return response, error.code, _extra_headers(error)


def is_error_page() -> bool:
    """True while this request is answered with an error page."""
    return g.get("error_page", False)


def database_unavailable(error: OperationalError):
    """A lost database connection is a temporary outage, not a bug: answer 503."""
    db.session.rollback()
    return render_error(ServiceUnavailable())


def _extra_headers(error: HTTPException) -> dict[str, str]:
    # Keep "Allow" on 405 and "Retry-After" on 429/503 that werkzeug already computed.
    names = {"Allow", "Retry-After"}
    return {key: value for key, value in error.get_headers() if key in names}
