"""The staff session: a cookie written only on /staff responses, backed by a server-side record.

The public site promises to set no cookie but the visitor's cookie choice (DESIGN.md, "Cookies
and cross-site protection"), so even a logged-in staff member browsing it never gets the
session cookie set or refreshed there.
"""

from __future__ import annotations

from flask import Flask, g, request, session
from flask.sessions import SecureCookieSessionInterface

from joans.areas import is_staff_path
from joans.extensions import login_manager
from joans.models.staff import StaffSession, StaffUser
from joans.staff import authentication

# Flask-Login keeps the logged-in identity under this key; here it is the session token.
TOKEN_KEY = "_user_id"  # noqa: S105 - a session key name


class StaffOnlySessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions that are saved on back-office responses and nowhere else."""

    def save_session(self, app, session, response) -> None:
        """Write (or delete) the cookie only when the request was for a /staff URL."""
        if is_staff_path(request.path):
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Install the session interface and resolve Flask-Login identities through staff sessions."""
    app.session_interface = StaffOnlySessionInterface()
    # The server-side session record replaces Flask-Login's IP/user-agent check, which would log
    # staff out whenever a phone changes network; remember-me cookies are never issued.
    login_manager.session_protection = None
    login_manager.user_loader(load_user)


def load_user(token: str) -> StaffUser | None:
    """The user of a live session token; None once it ended, idled out or grew too old."""
    staff_session = authentication.resume_session(token)
    if staff_session is None:
        return None
    g.staff_session = staff_session
    return staff_session.user


def begin(user: StaffUser) -> None:
    """Log ``user`` in with a brand-new session: nothing from before the login survives."""
    token = authentication.open_session(user)
    session.clear()
    session[TOKEN_KEY] = token


def end() -> None:
    """Log out: end the server-side session and empty the cookie."""
    authentication.end_session(session.get(TOKEN_KEY))
    session.clear()


def current() -> StaffSession:
    """The session record of the logged-in staff member of this request."""
    return g.staff_session


def had_session() -> bool:
    """Whether the cookie named a session (which has now ended)."""
    return TOKEN_KEY in session
