"""Configuration: defaults here, then ``instance/config.py``, then ``JOANS_*`` variables."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105 - refused in production

# Environments that may run with the development secret key and the SQLite default.
RELAXED_ENVIRONMENTS = {"development", "testing"}


class Defaults:
    """Settings that hold unless the instance file or the environment says otherwise."""

    # "production" unless JOANS_ENV says otherwise, so a forgotten setting fails safe.
    ENV = "production"
    SECRET_KEY = DEV_SECRET_KEY
    # None means an SQLite file in the instance folder (development and testing only).
    DATABASE_URL: str | None = None
    # Absolute base URL for canonical links and the sitemap, e.g. "https://joans.se".
    # None means the URL the request came in on.
    SITE_URL: str | None = None

    COMPANY_NAME = "Joans"
    COMPANY_EMAIL = "info@joans.se"
    COMPANY_PHONE: str | None = None
    COMPANY_ADDRESS: str | None = None

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"

    # Never echo bound values (names, e-mail addresses) into exception messages and logs.
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True, "pool_pre_ping": True}

    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_DEFAULT_SENDER = "Joans <info@joans.se>"

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False

    # The staff session is the only cookie besides the consent choice; it never leaves HTTPS
    # in production and is invisible to scripts.
    SESSION_COOKIE_NAME = "__Host-joans_staff"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Public pages must not re-send the cookie just because a staff member browses them.
    SESSION_REFRESH_EACH_REQUEST = False

    # Staff sessions (OWASP ASVS 3.3): seconds without a request, and seconds since login, after
    # which a session ends; seconds since the password was last entered after which exports and
    # erasures ask for it again.
    STAFF_IDLE_TIMEOUT = 30 * 60
    STAFF_ABSOLUTE_TIMEOUT = 12 * 3600
    STAFF_REAUTHENTICATE_AFTER = 15 * 60
    # Failed login attempts allowed per client address and per account (ASVS 2.2.1: at most
    # 100 an hour per account), in Flask-Limiter's notation.
    STAFF_LOGIN_LIMIT_PER_IP = "30 per 15 minutes"
    STAFF_LOGIN_LIMIT_PER_ACCOUNT = "100 per hour"
    # "Forgot password" requests per client address and per e-mail address.
    STAFF_PASSWORD_LINK_LIMIT = "5 per hour"  # noqa: S105 - a rate, not a password
    # Seconds an invitation link and a password-reset link stay valid.
    STAFF_INVITATION_MAX_AGE = 7 * 24 * 3600
    STAFF_PASSWORD_RESET_MAX_AGE = 3600
    # Rows per page in the back office's lists.
    STAFF_PAGE_SIZE = 50

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers we trust.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0

    SEND_FILE_MAX_AGE_DEFAULT = 3600


class Development:
    """Relaxations for a laptop on plain HTTP."""

    SESSION_COOKIE_NAME = "joans_staff"
    SESSION_COOKIE_SECURE = False
    MAIL_SUPPRESS_SEND = True


def load(app: Flask, test_config: dict | None) -> None:
    """Fill ``app.config``: code defaults, the instance file, ``JOANS_*`` variables, tests."""
    _apply_layers(app, Defaults, test_config)
    if app.config["ENV"] in RELAXED_ENVIRONMENTS:
        # The relaxed defaults replace only the code defaults, never an explicit setting.
        _apply_layers(app, Development, test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"] or _sqlite_default(app)


def _apply_layers(app: Flask, defaults: type, test_config: dict | None) -> None:
    app.config.from_object(defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("JOANS")
    if test_config:
        app.config.update(test_config)


def _sqlite_default(app: Flask) -> str:
    os.makedirs(app.instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(app.instance_path, "joans.sqlite3")


def check(app: Flask) -> None:
    """Refuse to start in production with settings that are only safe on a laptop."""
    if app.config["ENV"] in RELAXED_ENVIRONMENTS:
        return
    if not app.config["SECRET_KEY"] or app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError("Set JOANS_SECRET_KEY: the development secret key is refused here.")
    if not app.config["DATABASE_URL"]:
        raise RuntimeError("Set JOANS_DATABASE_URL: production needs an explicit database.")
    engine = create_engine(app.config["DATABASE_URL"], hide_parameters=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise RuntimeError(
            f"The database in JOANS_DATABASE_URL cannot be reached ({type(exc).__name__})."
        ) from None
    finally:
        engine.dispose()
