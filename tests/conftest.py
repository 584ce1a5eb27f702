"""Fixtures shared by every test: a fresh app per test on a database built by the migrations.

Tests run on an SQLite file by default. Set ``JOANS_TEST_DATABASE_URL`` to a PostgreSQL server
(for example ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run them there: the
session creates its own database on that server and drops it at the end.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest
from flask_migrate import upgrade
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, make_url, text

from joans import create_app
from joans.extensions import db
from joans.models.staff import StaffUser
from joans.staff import two_factor, users
from tests.smtp import RecordingSMTPServer

TEST_SECRET_KEY = "test-secret-key"


# Memory-backed storage where the machine has it: the same SQLite file, without waiting for the
# disk at each of the suite's tens of thousands of commits.
MEMORY_DISK = Path("/dev/shm")  # noqa: S108 - a folder of our own is made inside it


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The URL of a database that exists for this test session (and test process) only."""
    server_url = os.environ.get("JOANS_TEST_DATABASE_URL")
    if not server_url:
        if MEMORY_DISK.is_dir():
            with tempfile.TemporaryDirectory(dir=MEMORY_DISK, prefix="joans-test-") as folder:
                yield f"sqlite:///{Path(folder) / 'joans.sqlite3'}"
            return
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'joans.sqlite3'}"
        return
    name = f"joans_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url):
    """Build the schema once per session with the same migrations production runs."""
    app = create_app(_base_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def _base_config(database_url: str) -> dict:
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        # Links that leave the site are built on SITE_URL; the test client's host is localhost.
        "SITE_URL": "http://localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


@pytest.fixture
def app_config():
    """Settings a test module can override to configure its app."""
    return {}


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for the whole test process.

    Every test gets a fresh app, whose Jinja environment would compile each template it renders
    again: a fifth of the suite's time. The key holds a checksum of the template's source, and
    every test app compiles with the same settings, so a template is compiled once per process.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


@pytest.fixture
def app(migrated_database, app_config):
    """A fresh app for one test; every table is emptied afterwards."""
    app = create_app({**_base_config(migrated_database), **app_config})
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    yield app
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client that sends no cookies unless a test gives it some."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs the app's ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free port; point the app at it with ``smtp_server.app_config``."""
    server = RecordingSMTPServer()
    server.start()
    yield server
    server.stop()


# Staff accounts and login, for every feature whose tests use the back office.

STAFF_PASSWORD = "a long staff password 🔑 with spaces"
_CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class StaffAccount:
    """A staff account made for a test, with the secrets the test needs to log in."""

    id: int
    email: str
    role: str
    password: str = STAFF_PASSWORD
    totp_secret: str | None = None
    recovery_codes: list[str] = field(default_factory=list)

    def totp_code(self, step: int | None = None) -> str:
        """The authenticator app's code for ``step`` (default: now)."""
        step = two_factor.current_step() if step is None else step
        return pyotp.TOTP(self.totp_secret).generate_otp(step)


@pytest.fixture
def make_staff(app):
    """Create an account: ``make_staff(role="admin")``; admins get TOTP unless ``totp=False``."""
    counter = iter(range(1, 1000))

    def make(email=None, *, name="Testa Testsson", role="staff", language="sv", totp=None,
             password=STAFF_PASSWORD) -> StaffAccount:  # fmt: skip
        email = email or f"staff{next(counter)}@joans.se"
        totp = role == "admin" if totp is None else totp
        with app.app_context():
            user = users.create_staff_user(
                email, name=name, role=role, language=language, password=password
            )
            account = StaffAccount(id=user.id, email=user.email, role=role, password=password)
            if totp:
                user.totp_secret = account.totp_secret = two_factor.new_secret()
                account.recovery_codes = two_factor.new_recovery_codes(user)
                db.session.commit()
        return account

    return make


def csrf_token_in(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = _CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def staff_post():
    """POST a back-office form with a valid CSRF token: ``staff_post(client, url, data)``."""

    def post(client, url, data=None, **options):
        page = client.get("/staff/login", follow_redirects=True)
        return client.post(
            url, data={**(data or {}), "csrf_token": csrf_token_in(page.text)}, **options
        )

    return post


def _unused_totp_step(app, account: StaffAccount) -> int:
    with app.app_context():
        last = db.session.get(StaffUser, account.id).totp_last_step or 0
    now = two_factor.current_step()
    # Codes are single use: a test that logs in twice within 30 s takes the next step's code.
    return next(step for step in (now, now + 1) if step > last)


@pytest.fixture
def login_as_staff(app, make_staff, staff_post):
    """Log a test client in through the real login pages: ``login_as_staff(client, role="admin")``.

    Pass an account from ``make_staff`` to log in as it; returns the account.
    """

    def login(client, account: StaffAccount | None = None, *, role: str = "staff") -> StaffAccount:
        account = account or make_staff(role=role)
        response = staff_post(
            client, "/staff/login", {"email": account.email, "password": account.password}
        )
        assert response.status_code == 302, "the password step failed"
        if account.totp_secret:
            code = account.totp_code(_unused_totp_step(app, account))
            response = staff_post(client, "/staff/login/code", {"code": code})
        assert response.status_code == 302
        assert "/staff/login" not in response.headers["Location"], "the login failed"
        return account

    return login
