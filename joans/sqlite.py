"""SQLite enforces foreign keys only when asked, per connection; PostgreSQL always does.

Turning them on makes ``ON DELETE CASCADE`` and ``SET NULL`` behave the same on both, so a
deletion (a retention purge, an erasure) never leaves orphans behind on SQLite.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def enforce_foreign_keys(dbapi_connection, connection_record) -> None:
    """Run ``PRAGMA foreign_keys=ON`` on every new SQLite connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
