"""The back office's shell under ``/staff``: login, sessions, accounts, the dashboard, the guard.

Every feature's back-office pages register on the one ``staff`` blueprint (:mod:`joans.backoffice`);
the shell mounts it with all of them. Only here does the site set a cookie: the staff session, with
Flask-WTF CSRF tokens on every form.
"""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from joans.areas import is_staff_path
from joans.crm.services import display_organisation_number
from joans.staff import session
from joans.staff.views import bp
from joans.validation import format_phone, mask_vat_number


def init_app(app: Flask) -> None:
    """Mount the back office: blueprint, session cookie rules, login manager, headers."""
    app.register_blueprint(bp)  # not csrf.exempt: staff forms carry session-bound CSRF tokens
    session.init_app(app)
    app.add_template_filter(format_phone, "phone")
    app.add_template_filter(display_organisation_number, "organisation_number")
    app.add_template_filter(mask_vat_number, "vat_number")
    app.after_request(_staff_headers)
    app.context_processor(_staff_context)


def _staff_headers(response):
    if is_staff_path(request.path):
        # Back-office pages hold personal data: no cache may keep them and no search engine
        # may list them, error pages included.
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _staff_context() -> dict:
    # The only place templates get current_user: public pages never read the staff session.
    if request and is_staff_path(request.path):
        return {"current_user": current_user}
    return {}
