"""Fixtures shared by every test: a fresh app per test on a database built by the migrations.

Tests run on an SQLite file by default. Set ``JOANS_TEST_DATABASE_URL`` to a PostgreSQL server
(for example ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run them there: the
session creates its own database on that server and drops it at the end.
"""

from __future__ import annotations

import os
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from joans import create_app
from joans.extensions import db
from tests.smtp import RecordingSMTPServer

TEST_SECRET_KEY = "test-secret-key"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The URL of a database that exists for this test session only."""
    server_url = os.environ.get("JOANS_TEST_DATABASE_URL")
    if not server_url:
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
        "SITE_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


@pytest.fixture
def app_config():
    """Settings a test module can override to configure its app."""
    return {}


@pytest.fixture
def app(migrated_database, app_config):
    """A fresh app for one test; every table is emptied afterwards."""
    app = create_app({**_base_config(migrated_database), **app_config})
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
