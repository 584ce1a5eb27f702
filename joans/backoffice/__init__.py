"""The staff blueprint, and the marks a back-office view carries for the one guard it passes.

Views are open to logged-in staff by default; ``@public_view`` opens one to anonymous visitors
(the login steps), ``@admin_only`` closes one to everyone but admins, and
``@recent_login_required`` asks for the password again first. The marks only say what a view
needs: the staff shell's guard (:mod:`joans.staff.guard`) enforces them before any view runs.

Every feature registers its back-office views here, so this module imports nothing but the
URL prefix: a feature never depends on the staff shell, which sits above the features.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint

from joans.areas import STAFF_PREFIX

bp = Blueprint("staff", __name__, url_prefix=STAFF_PREFIX)


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
    view.staff_recent_login = True
    return view
