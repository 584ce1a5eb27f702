"""Configuration: defaults here, then ``instance/config.py``, then ``JOANS_*`` variables."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105 - refused in production
DEV_NEWSLETTER_SECRET_KEY = "dev-newsletter-key-not-for-production"  # noqa: S105 - refused too

# Environments that may run with the development secret key and the SQLite default.
RELAXED_ENVIRONMENTS = {"development", "testing"}
# Where `make run` serves the site: the base of links when SITE_URL is not set on a laptop.
DEVELOPMENT_SITE_URL = "http://127.0.0.1:5000"


class Defaults:
    """Settings that hold unless the instance file or the environment says otherwise."""

    # "production" unless JOANS_ENV says otherwise, so a forgotten setting fails safe.
    ENV = "production"
    SECRET_KEY = DEV_SECRET_KEY
    # None means an SQLite file in the instance folder (development and testing only).
    DATABASE_URL: str | None = None
    # Absolute base URL of every link that leaves the site (e-mails, newsletters, the sitemap,
    # canonical links), e.g. "https://joans.se". Required in production; development and
    # testing fall back to the local server.
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
    # Seconds before an unresponsive mail server is given up on (a web worker waits that long).
    MAIL_TIMEOUT = 10

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False

    # Call-back requests from the contact form.
    # Who is told of a new request (a list, or a comma-separated string); None means
    # COMPANY_EMAIL. The e-mail holds no personal data, only a link to the staff inbox.
    CALLBACK_NOTIFY_EMAILS: list[str] | str | None = None
    CALLBACK_NOTIFY_LANGUAGE = "sv"
    # Submissions per visitor IP address (Flask-Limiter syntax); counted in RATELIMIT_STORAGE_URI.
    CALLBACK_RATE_LIMIT = "10 per hour"
    # A person needs a few seconds to fill in the form; a program that posts faster is refused.
    CALLBACK_MIN_FILL_SECONDS = 3
    # A request nobody marked handled is deleted by `flask privacy purge` after this many days.
    CALLBACK_MAX_AGE_DAYS = 30

    # The staff session is the only cookie besides the consent choice; it never leaves HTTPS
    # in production and is invisible to scripts.
    SESSION_COOKIE_NAME = "__Host-joans_staff"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Public pages must not re-send the cookie just because a staff member browses them.
    SESSION_REFRESH_EACH_REQUEST = False

    # Google Analytics 4 measurement id ("G-..."). None means no statistics at all: no banner,
    # no Google markup, no consent cookie (the consent blueprint answers 404).
    GA_MEASUREMENT_ID: str | None = None
    # Registrable domain the site runs under, e.g. "joans.se". Google Analytics is told to put
    # its cookies there, and declining expires them there as well as host-only. None keeps
    # them host-only.
    COOKIE_DOMAIN: str | None = None
    # The cookie that remembers the visitor's choice; the __Host- prefix needs Secure and no
    # Domain, which the browser then enforces (RFC 6265bis, cookie name prefixes).
    CONSENT_COOKIE_NAME = "__Host-joans_consent"
    CONSENT_COOKIE_SECURE = True
    # How long a choice is honoured before the banner asks again: at most 12 months after an
    # acceptance and at most 6 months after a refusal.
    CONSENT_ACCEPTED_DAYS = 365
    CONSENT_DECLINED_DAYS = 180
    # Raise when the privacy policy or the use of cookies changes: every stored choice made
    # under an older revision is asked again.
    CONSENT_REVISION = 1
    # How long the consent log keeps a record (GDPR art. 7(1): consent must be provable). Five
    # years is the period within which IMY can impose a fine (dataskyddslagen 6 kap. 3 §).
    CONSENT_LOG_RETENTION_DAYS = 5 * 365

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
    # Days after an invitation link expired at which the account of an invitee who never chose
    # a password is deleted; until then "forgot password" still lets them in.
    STAFF_INVITATION_RETENTION_DAYS = 30
    # Rows per page in the back office's lists.
    STAFF_PAGE_SIZE = 50
    # argon2id cost of a staff password hash: passes, memory in KiB, lanes. RFC 9106's second
    # recommended option (the one for when 2 GiB per hash is too much), as argon2-cffi uses
    # it; raise them, and each login re-hashes the password with the new cost.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_COST = 64 * 1024
    PASSWORD_HASH_PARALLELISM = 4
    # Days after deactivation at which a former colleague's account is anonymised; until then the
    # audit trail can still name who did what.
    STAFF_ACCOUNT_RETENTION_DAYS = 2 * 365
    # Days after "customer until" at which a former customer's CRM data is deleted: long enough
    # for the last invoice and its questions, short enough to honour "as long as you are a
    # customer". Issued invoices are kept apart, for the bookkeeping period.
    CUSTOMER_RETENTION_DAYS = 90
    # Days an answered data-subject request is kept after it was closed (GDPR art. 5(2)): a
    # complaint to IMY about how it was handled can come years later.
    DATA_REQUEST_RETENTION_DAYS = 3 * 365
    # Days an audit event is kept. The trail must outlive the data it describes long enough to
    # answer a complaint to IMY about how that data was handled (who looked, who changed or
    # deleted it, whether a request was answered in time): as long as an answered request.
    AUDIT_RETENTION_DAYS = 3 * 365

    # Orders from the public order form.
    # The From of order confirmations and invoices: transactional mail, never the newsletter's
    # address (Google's and Yahoo's sender rules keep the two reputations apart).
    ORDERS_SENDER = "Joans <order@joans.se>"
    # Who is told of a new order (a list, or a comma-separated string); None means
    # COMPANY_EMAIL. The e-mail holds no personal data, only a link to the order.
    ORDERS_NOTIFY_EMAILS: list[str] | str | None = None
    ORDERS_NOTIFY_LANGUAGE = "sv"
    # Steps posted to the order form per visitor IP address (Flask-Limiter syntax).
    ORDERS_RATE_LIMIT = "120 per hour"
    # Seconds a half-filled order form stays valid; after that the visitor starts again.
    ORDERS_FORM_MAX_AGE = 24 * 3600
    # Domain names one order may hold.
    ORDERS_MAX_DOMAINS = 10

    # The seller on invoices (mervärdesskattelagen 17 kap. 24 §, aktiebolagslagen 1 kap. 9 §).
    # None means not set: no invoice is issued until every one of them is.
    SELLER_NAME: str | None = None
    SELLER_ORGANISATION_NUMBER: str | None = None
    SELLER_VAT_NUMBER: str | None = None
    # One line, e.g. "Storgatan 1, 111 22 Stockholm".
    SELLER_ADDRESS: str | None = None
    # The municipality of the registered office (styrelsens säte).
    SELLER_REGISTERED_OFFICE: str | None = None
    SELLER_BANKGIRO: str | None = None
    # Approved for F-tax (F-skatt): the invoice says so, and buyers then pay no tax for us.
    SELLER_F_TAX = True
    # Days from the issue date to the due date.
    INVOICE_PAYMENT_DAYS = 30
    # The first number of the invoice series, for a company that continues an older series.
    INVOICE_FIRST_NUMBER = 1
    # The month in which the financial year ends (12: the calendar year). Invoices are kept
    # until the end of the seventh calendar year after the financial year ended.
    FINANCIAL_YEAR_END_MONTH = 12
    # A TrueType font for invoice PDFs, e.g. "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    # for names in any script; None uses the PDF's built-in Helvetica (Latin-1 letters only,
    # other characters are approximated on the PDF and kept exactly in the database).
    INVOICE_PDF_FONT: str | None = None

    # Domain registration.
    # The registrar backend, as "module:Class"; the default hands registrations to Ilait AB's
    # partner desk by e-mail and staff confirm the outcome in the back office.
    REGISTRAR_BACKEND = "joans.domains.registrar.partner_desk:PartnerDeskRegistrar"
    REGISTRAR_NAME = "Ilait AB"
    # The partner desk's address. None: nothing is handed off until an operator sets it.
    REGISTRAR_EMAIL: str | None = None
    REGISTRAR_LANGUAGE = "sv"
    # Days after a domain ended (expired, transferred away, cancelled) at which
    # `flask privacy purge` deletes it and who held it.
    DOMAIN_HOLDER_RETENTION_DAYS = 90
    # Domains expiring within this many days are on the dashboard.
    DOMAIN_EXPIRY_WARNING_DAYS = 60

    # Newsletters: soft opt-in from orders, sent through an outbox by `flask newsletter
    # send-outbox`, with RFC 8058 one-click unsubscribe.
    # From of every newsletter: not the transactional sender, so recipients' filters and the
    # receiving providers' reputation keep marketing apart from order mail (CHECKLISTS N9).
    NEWSLETTER_SENDER = "Joans nyhetsbrev <nyhetsbrev@joans.se>"
    # The list's name in the List-Id header (RFC 2919): a domain-like name under our domain.
    NEWSLETTER_LIST_ID = "nyhetsbrev.joans.se"
    # A secret of its own that never changes: it keys the suppression list's hashes and signs
    # the unsubscribe links in every newsletter ever sent. Rotating SECRET_KEY (after a leak,
    # say) must neither break those links nor let an unsubscribed address be mailed again.
    # Production refuses to start without it.
    NEWSLETTER_SECRET_KEY: str | None = None
    # At most this many messages a second from one worker (0: as fast as the server accepts).
    NEWSLETTER_SEND_RATE = 10
    # A temporary failure (4xx, a lost connection) is retried after this many seconds, then
    # after twice as long each time (at most 64 times as long), for at most
    # NEWSLETTER_MAX_ATTEMPTS attempts in all; then the message is marked failed.
    NEWSLETTER_RETRY_SECONDS = 60
    NEWSLETTER_MAX_ATTEMPTS = 10
    # A message still "sending" this many seconds after it started belongs to a worker that
    # died mid-send: it is reported as unknown, and never sent again.
    NEWSLETTER_SENDING_TIMEOUT = 600
    # Seconds between looks at an empty outbox for `flask newsletter send-outbox --loop`.
    NEWSLETTER_POLL_SECONDS = 30
    # Days after a message was sent or given up on at which its outbox row loses the link to the
    # recipient (`flask privacy purge`); the campaign's counts remain.
    NEWSLETTER_OUTBOX_RETENTION_DAYS = 90
    # "E-mail me an unsubscribe link": requests per client address (Flask-Limiter notation),
    # and links mailed to one address; beyond that the same answer is given, but nothing sent.
    NEWSLETTER_LINK_RATE_LIMIT = "10 per hour"
    NEWSLETTER_LINK_PER_ADDRESS_LIMIT = "3 per day"

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers we trust.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0

    SEND_FILE_MAX_AGE_DEFAULT = 3600


class Development:
    """Relaxations for a laptop on plain HTTP."""

    SESSION_COOKIE_NAME = "joans_staff"
    SESSION_COOKIE_SECURE = False
    CONSENT_COOKIE_NAME = "joans_consent"
    CONSENT_COOKIE_SECURE = False
    MAIL_SUPPRESS_SEND = True
    # Example seller details, so invoices can be tried on a laptop; never real ones.
    SELLER_NAME = "Joans AB (example)"
    SELLER_ORGANISATION_NUMBER = "556036-0793"
    SELLER_VAT_NUMBER = "SE556036079301"
    SELLER_ADDRESS = "Exempelgatan 1, 111 22 Stockholm"
    SELLER_REGISTERED_OFFICE = "Stockholm"
    SELLER_BANKGIRO = "5050-1055"
    REGISTRAR_EMAIL = "registrar@example.invalid"
    NEWSLETTER_SECRET_KEY = DEV_NEWSLETTER_SECRET_KEY


class Testing:
    """The test suite logs in hundreds of times: the cheapest argon2id there is (never deployed,
    as only ENV=testing reads it; tests/staff/test_passwords.py checks the production cost)."""

    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_COST = 8
    PASSWORD_HASH_PARALLELISM = 1


def load(app: Flask, test_config: dict | None) -> None:
    """Fill ``app.config``: code defaults, the instance file, ``JOANS_*`` variables, tests."""
    _apply_layers(app, Defaults, test_config)
    # The relaxed defaults replace only the code defaults, never an explicit setting.
    if app.config["ENV"] in RELAXED_ENVIRONMENTS:
        _apply_layers(app, Development, test_config)
    if app.config["ENV"] == "testing":
        _apply_layers(app, Testing, test_config)
    if app.config["ENV"] in RELAXED_ENVIRONMENTS and not app.config["SITE_URL"]:
        app.config["SITE_URL"] = DEVELOPMENT_SITE_URL
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
    newsletter_key = app.config["NEWSLETTER_SECRET_KEY"]
    weak_keys = {DEV_NEWSLETTER_SECRET_KEY, app.config["SECRET_KEY"]}
    if not newsletter_key or newsletter_key in weak_keys:
        raise RuntimeError(
            "Set JOANS_NEWSLETTER_SECRET_KEY to a secret of its own, different from "
            "JOANS_SECRET_KEY, that never changes: it keeps unsubscribed addresses suppressed "
            "and the unsubscribe links in sent newsletters working."
        )
    if not app.config["SITE_URL"]:
        raise RuntimeError(
            "Set JOANS_SITE_URL (https://...): e-mails, newsletters and the sitemap link to it."
        )
