"""Login throttling per IP address and per account, counted by Flask-Limiter.

Only failures count (``deduct_when``), so a colleague who logs in many times a day is never
locked out; the storage is ``RATELIMIT_STORAGE_URI`` (Redis when several servers run, so every
server sees the same counts). Account keys are keyed hashes: the limiter's storage and its
log lines never hold an e-mail address.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, g, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user

from joans.extensions import limiter


def _account_key(identity: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, identity.encode(), hashlib.sha256).hexdigest()[:32]
    return f"staff-account:{digest}"


def ip_key() -> str:
    """The client's address (as ProxyFix reports it behind a proxy)."""
    return f"staff-ip:{get_remote_address()}"


def login_account_key() -> str:
    """The account the login form names, whether it exists or not."""
    return _account_key((request.form.get("email") or "").strip().lower())


def pending_account_key() -> str:
    """The account whose second factor is being asked for."""
    return _account_key(f"user:{session.get('pending_user_id', '')}")


def current_account_key() -> str:
    """The logged-in account (re-authentication)."""
    return _account_key(f"user:{current_user.id if current_user.is_authenticated else ''}")


def email_key() -> str:
    """The address a password link is asked for."""
    return _account_key("reset:" + (request.form.get("email") or "").strip().lower())


def mark_failure() -> None:
    """Count this request against the login limits."""
    g.staff_login_failed = True


def failed(response) -> bool:
    """Whether the request was marked as a failed attempt."""
    return g.get("staff_login_failed", False)


def _config(name):
    return lambda: current_app.config[name]


def login_limits(account_key):
    """Decorate a login step: failures count per IP and per account; the limit refuses with 429."""

    def decorate(view):
        view = limiter.limit(
            _config("STAFF_LOGIN_LIMIT_PER_ACCOUNT"),
            key_func=account_key,
            methods=["POST"],
            deduct_when=failed,
            scope="staff-login-account",
        )(view)
        return limiter.limit(
            _config("STAFF_LOGIN_LIMIT_PER_IP"),
            key_func=ip_key,
            methods=["POST"],
            deduct_when=failed,
            scope="staff-login-ip",
        )(view)

    return decorate


def password_link_limits(view):
    """Decorate the "forgot password" form: every request counts, per IP and per address."""
    view = limiter.limit(
        _config("STAFF_PASSWORD_LINK_LIMIT"),
        key_func=email_key,
        methods=["POST"],
        scope="staff-link",
    )(view)
    return limiter.limit(
        _config("STAFF_PASSWORD_LINK_LIMIT"),
        key_func=ip_key,
        methods=["POST"],
        scope="staff-link-ip",
    )(view)
