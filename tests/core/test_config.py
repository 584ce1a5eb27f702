"""Configuration layers and the start-up checks for production."""

from __future__ import annotations

import pytest
from flask import Flask

from joans import config, create_app


def test_instance_file_overrides_defaults_and_environment_overrides_both(tmp_path, monkeypatch):
    """Defaults in code, then instance/config.py, then JOANS_* variables."""
    (tmp_path / "config.py").write_text('COMPANY_EMAIL = "file@joans.se"\nCOMPANY_PHONE = "1"\n')
    monkeypatch.setenv("JOANS_COMPANY_PHONE", "08-123 456 78")
    app = Flask("joans", instance_path=str(tmp_path), instance_relative_config=True)
    config.load(app, None)
    assert app.config["COMPANY_NAME"] == "Joans"
    assert app.config["COMPANY_EMAIL"] == "file@joans.se"
    assert app.config["COMPANY_PHONE"] == "08-123 456 78"


def test_database_url_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    """With no JOANS_DATABASE_URL, development uses instance/joans.sqlite3."""
    monkeypatch.delenv("JOANS_DATABASE_URL", raising=False)
    app = Flask("joans", instance_path=str(tmp_path / "instance"), instance_relative_config=True)
    config.load(app, {"ENV": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/instance/joans.sqlite3"


def test_development_relaxes_cookie_security_unless_set_explicitly(tmp_path, monkeypatch):
    """A laptop on plain HTTP gets a cookie it can use; an explicit setting always wins."""
    app = Flask("joans", instance_path=str(tmp_path), instance_relative_config=True)
    config.load(app, {"ENV": "development"})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("JOANS_SESSION_COOKIE_SECURE", "true")
    config.load(app, {"ENV": "development"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_defaults_are_the_safe_ones(tmp_path):
    """Without JOANS_ENV the app assumes production and secures its cookie."""
    app = Flask("joans", instance_path=str(tmp_path), instance_relative_config=True)
    config.load(app, None)
    assert app.config["ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"DATABASE_URL": "sqlite://"}, "JOANS_SECRET_KEY"),
        ({"SECRET_KEY": ""}, "JOANS_SECRET_KEY"),
        ({"SECRET_KEY": "s3cret", "DATABASE_URL": None}, "JOANS_DATABASE_URL"),
        (
            {"SECRET_KEY": "s3cret", "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1:1/x"},
            "cannot be reached",
        ),
    ],
)
def test_production_refuses_to_start_with_laptop_settings(settings, complaint, monkeypatch):
    """The development secret key, no database, or an unreachable one stop the app starting."""
    monkeypatch.delenv("JOANS_SECRET_KEY", raising=False)
    monkeypatch.delenv("JOANS_DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match=complaint):
        create_app({"ENV": "production", **settings})


@pytest.mark.parametrize("newsletter_key", [None, "", config.DEV_NEWSLETTER_SECRET_KEY, "s3cret"])
def test_production_refuses_to_start_without_a_newsletter_key_of_its_own(
    migrated_database, newsletter_key, monkeypatch
):
    """Suppression hashes and unsubscribe links need a key that outlives SECRET_KEY."""
    monkeypatch.delenv("JOANS_NEWSLETTER_SECRET_KEY", raising=False)
    settings = {"ENV": "production", "SECRET_KEY": "s3cret", "DATABASE_URL": migrated_database}
    with pytest.raises(RuntimeError, match="JOANS_NEWSLETTER_SECRET_KEY"):
        create_app({**settings, "NEWSLETTER_SECRET_KEY": newsletter_key})


PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "s3cret",
    "NEWSLETTER_SECRET_KEY": "an0ther s3cret",
    "SITE_URL": "https://joans.se",
}


def test_production_needs_the_site_url_for_the_unsubscribe_links(migrated_database, monkeypatch):
    """Without JOANS_SITE_URL no e-mail, newsletter or sitemap could link back to the site."""
    monkeypatch.delenv("JOANS_SITE_URL", raising=False)
    with pytest.raises(RuntimeError, match="JOANS_SITE_URL"):
        create_app({**PRODUCTION, "DATABASE_URL": migrated_database, "SITE_URL": None})


@pytest.mark.parametrize("env", ["development", "testing"])
def test_a_laptop_links_to_the_local_server_when_no_site_url_is_set(tmp_path, env):
    """make run serves on 127.0.0.1:5000, so that is where links lead on a laptop."""
    app = Flask("joans", instance_path=str(tmp_path), instance_relative_config=True)
    config.load(app, {"ENV": env, "SITE_URL": None})
    assert app.config["SITE_URL"] == "http://127.0.0.1:5000"


def test_production_starts_with_a_secret_and_a_reachable_database(migrated_database):
    """The checks pass when the operator has configured the secrets and the database."""
    app = create_app({**PRODUCTION, "DATABASE_URL": migrated_database})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == migrated_database
