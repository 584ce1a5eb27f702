"""The one guard every back-office view passes, whichever feature it belongs to.

It reads the marks of :mod:`joans.backoffice` on the view about to run: anonymous visitors only
reach ``@public_view`` pages, only admins reach ``@admin_only`` ones, and ``@recent_login_required``
asks for the password again when it was entered too long ago. Admins without a second factor are
held on the enrolment page until they set it up.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from joans.areas import is_staff_path
from joans.backoffice import bp
from joans.security import is_own_url
from joans.staff import authentication
from joans.staff import session as staff_session

# Requests that show a page, to which a link can lead back.
PAGE_METHODS = {"GET", "HEAD"}

# What an admin without a second factor may still do.
ENROLMENT_ENDPOINTS = {"staff.two_factor_setup", "staff.logout"}


def _return_path() -> str:
    # A form's action may answer POST only, and the form's data is not ours to put in a URL:
    # after the password, the user goes back to the page the form was on and presses again.
    if request.method in PAGE_METHODS:
        return request.path
    referrer = request.referrer
    if referrer and is_own_url(referrer):
        return safe_next(urlsplit(referrer).path)
    return url_for("staff.dashboard")


@bp.before_request
def guard():
    """Decide who may see this page before its view runs."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "staff_public", False):
        return None
    if not current_user.is_authenticated:
        if staff_session.had_session():
            session.clear()
            flash(_("Your session has ended. Log in again."), "info")
        return redirect(
            url_for("staff.login", next=request.path if request.method == "GET" else None)
        )
    if (
        current_user.is_admin
        and not current_user.totp_enabled
        and request.endpoint not in ENROLMENT_ENDPOINTS
    ):
        flash(_("Admins must use two-factor authentication. Set it up to continue."), "info")
        return redirect(url_for("staff.two_factor_setup"))
    if getattr(view, "staff_admin_only", False) and not current_user.is_admin:
        abort(403)
    if getattr(view, "staff_recent_login", False) and not _recently_authenticated():
        return _ask_for_password_again()
    return None


def _recently_authenticated() -> bool:
    return authentication.is_recently_authenticated(staff_session.current())


def _ask_for_password_again():
    if request.method not in PAGE_METHODS:
        flash(
            _("Nothing was done yet. Confirm your password, then press the button again."),
            "info",
        )
    return redirect(url_for("staff.reauthenticate", next=_return_path()))


def safe_next(target: str | None, default: str = "staff.dashboard") -> str:
    """A back-office page to return to; anything else (another host, another site, a path that
    leaves ``/staff`` through ``..``, an address that answers only POST) is ignored."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and is_staff_path(parts.path)
            and "\\" not in target
            # Browsers resolve dot segments, "%2e%2e" too (WHATWG URL), before they send.
            and not {".", ".."} & set(unquote(parts.path).split("/"))
            and _is_page(parts.path)
        ):
            return parts.path
    return url_for(default)


def _is_page(path: str) -> bool:
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path, method="GET")
    except HTTPException:  # not found, POST only, or a redirect to the canonical URL
        return False
    return True
