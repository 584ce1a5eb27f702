"""Throwaway databases for a benchmark run: an SQLite file or a fresh PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench.common import ROOT, VENV_BIN

# The server the test suite uses, or the local default; a fresh database is created on it.
POSTGRES_SERVER = os.environ.get(
    "JOANS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def site_env(database_url: str) -> dict[str, str]:
    """Production settings on the given database, as an operator would run them."""
    return {
        "JOANS_ENV": "production",
        "JOANS_SECRET_KEY": "benchmark-secret",
        "JOANS_NEWSLETTER_SECRET_KEY": "benchmark-newsletter-secret",
        "JOANS_DATABASE_URL": database_url,
        "JOANS_SITE_URL": "https://joans.se",
    }


def migrate(database_url: str) -> None:
    """Build the database with the real migrations."""
    subprocess.run(  # noqa: S603 - fixed command
        [str(VENV_BIN / "flask"), "--app", "joans", "db", "upgrade"],
        cwd=ROOT, env={**site_env(database_url), "PATH": str(VENV_BIN)},
        check=True, capture_output=True,
    )  # fmt: skip


@contextmanager
def database(kind: str):
    """Yield the URL of a migrated, empty database of ``kind`` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            migrate(url)
            yield url
        return
    name = f"joans_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
        migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
