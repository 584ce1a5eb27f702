"""How the app treats its database connections, beyond what Flask-SQLAlchemy does.

- SQLite enforces foreign keys only when asked, per connection; PostgreSQL always does. Turning
  them on makes ``ON DELETE CASCADE`` and ``SET NULL`` behave the same on both, so a deletion
  (a retention purge, an erasure) never leaves orphans behind on SQLite.
- When the database goes away mid-request, closing the session at the end of the request
  tries to roll back on a dead connection and fails after the response was decided, which
  would turn the translated 503 page into a bare 500. The session is released here first,
  and a dead connection is discarded so the pool hands out a fresh one.
"""

from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from joans.extensions import db


@event.listens_for(Engine, "connect")
def enforce_foreign_keys(dbapi_connection, connection_record) -> None:
    """Run ``PRAGMA foreign_keys=ON`` on every new SQLite connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def init_app(app: Flask) -> None:
    """Release each request's session before Flask-SQLAlchemy's own teardown runs."""
    # Teardown functions run in reverse order of registration, so this one goes first.
    app.teardown_appcontext(_release_session)


def _release_session(exception: BaseException | None) -> None:
    try:
        db.session.remove()
    except DBAPIError:
        db.session.registry().invalidate()
        db.session.remove()
