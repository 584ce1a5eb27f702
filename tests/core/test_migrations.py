"""The Alembic revisions build exactly the schema the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from joans import create_app
from joans.extensions import db


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_migrated_database_equals_the_models(app):
    """The session database was built by `flask db upgrade`; autogenerate finds nothing to add."""
    assert _differences(app) == []


def test_migrations_downgrade_to_empty_and_upgrade_again(tmp_path):
    """Every revision can be undone, so a bad deploy can be rolled back."""
    app = create_app(
        {"ENV": "testing", "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/m.sqlite3"}
    )
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()
    assert _differences(app) == []
