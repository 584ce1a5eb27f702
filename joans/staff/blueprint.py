"""The staff blueprint and the one guard every back-office view passes.

Views are open to logged-in staff by default; ``@public_view`` opens one to anonymous visitors
(the login steps) and ``@admin_only`` closes one to everyone but admins. Admins without a second
factor are held on the enrolment page until they set it up.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from joans.services import staff_sessions
from joans.staff import URL_PREFIX, is_staff_path
from joans.staff import session as staff_session

bp = Blueprint("staff", __name__, url_prefix=URL_PREFIX)

# What an admin without a second factor may still do.
ENROLMENT_ENDPOINTS = {"staff.two_factor_setup", "staff.logout"}


def public_view(view: Callable) -> Callable:
    """Let anonymous visitors in (the login pages)."""
    view.staff_public = True
    return view


def admin_only(view: Callable) -> Callable:
    """Refuse everyone but admins, with 403."""
    view.staff_admin_only = True
    return view


def recent_login_required(view: Callable) -> Callable:
    """Ask for the password again when it was last entered longer ago than allowed (ASVS 3.7.1)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not staff_sessions.is_recently_authenticated(staff_session.current()):
            return redirect(url_for("staff.reauthenticate", next=request.path))
        return view(*args, **kwargs)

    return wrapper


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
    return None


def safe_next(target: str | None, default: str = "staff.dashboard") -> str:
    """A back-office path to return to; anything else (another host, another site) is ignored."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and is_staff_path(parts.path)
            and "\\" not in target
        ):
            return parts.path
    return url_for(default)
