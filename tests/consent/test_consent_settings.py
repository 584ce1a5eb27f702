"""Consent settings are checked at start-up, and the cookie registry follows them."""

from __future__ import annotations

import pytest

from joans import create_app
from joans.consent.cookies import is_analytics_cookie, site_cookies


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"GA_MEASUREMENT_ID": "UA-12345-1"}, "JOANS_GA_MEASUREMENT_ID"),
        ({"GA_MEASUREMENT_ID": "G-<script>"}, "JOANS_GA_MEASUREMENT_ID"),
        ({"COOKIE_DOMAIN": "joans se"}, "JOANS_COOKIE_DOMAIN"),
        ({"CONSENT_COOKIE_NAME": "__Host-consent", "CONSENT_COOKIE_SECURE": False}, "SECURE"),
        ({"CONSENT_ACCEPTED_DAYS": 0}, "JOANS_CONSENT_ACCEPTED_DAYS"),
        ({"CONSENT_ACCEPTED_DAYS": 366}, "JOANS_CONSENT_ACCEPTED_DAYS"),
        ({"CONSENT_DECLINED_DAYS": 184}, "JOANS_CONSENT_DECLINED_DAYS"),
        ({"CONSENT_DECLINED_DAYS": "180"}, "JOANS_CONSENT_DECLINED_DAYS"),
        ({"CONSENT_LOG_RETENTION_DAYS": -1}, "JOANS_CONSENT_LOG_RETENTION_DAYS"),
        ({"CONSENT_REVISION": 0}, "JOANS_CONSENT_REVISION"),
    ],
)
def test_app_refuses_to_start_with_an_unworkable_consent_setting(settings, message, tmp_path):
    """A typo must not start a site that sets cookies it cannot delete or GA it cannot gate."""
    with pytest.raises(RuntimeError, match=message):
        create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **settings})


def test_settings_are_normalised(tmp_path):
    """Blank means unset; the id is upper-case; the domain loses a leading dot."""
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "GA_MEASUREMENT_ID": " g-abc123 ",
            "COOKIE_DOMAIN": ".Joans.SE",
        }
    )
    assert app.config["GA_MEASUREMENT_ID"] == "G-ABC123"
    assert app.config["COOKIE_DOMAIN"] == "joans.se"
    blank = create_app(
        {"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/y.db", "GA_MEASUREMENT_ID": ""}
    )
    assert blank.config["GA_MEASUREMENT_ID"] is None


def test_production_consent_cookie_is_secure_and_host_prefixed():
    """In production the browser itself forbids sending it over HTTP or to other hosts."""
    from joans.config import Defaults

    assert Defaults.CONSENT_COOKIE_SECURE is True
    assert Defaults.CONSENT_COOKIE_NAME.startswith("__Host-")


def test_registry_lists_consent_ga_and_staff_cookies_when_ga_is_configured(app):
    """Every cookie the site can set: the choice, GA's two, and the staff session."""
    app.config["GA_MEASUREMENT_ID"] = "G-ABC123"
    with app.test_request_context():
        cookies = {cookie.name: cookie for cookie in site_cookies()}
    assert list(cookies) == [
        "joans_consent",
        "_ga",
        "_ga_ABC123",
        app.config["SESSION_COOKIE_NAME"],
    ]
    assert [name for name, cookie in cookies.items() if cookie.needs_consent] == [
        "_ga",
        "_ga_ABC123",
    ]
    assert [name for name, cookie in cookies.items() if not cookie.for_visitors] == [
        app.config["SESSION_COOKIE_NAME"]
    ]


def test_registry_without_ga_lists_only_the_staff_session(app):
    """No measurement id: no consent cookie and no GA cookie can ever be set."""
    with app.test_request_context():
        assert [cookie.name for cookie in site_cookies()] == [app.config["SESSION_COOKIE_NAME"]]


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("_ga", True),
        ("_ga_ABC123", True),
        ("_ga_", False),
        ("_gat", False),
        ("_gax", False),
        ("ga", False),
    ],
)
def test_analytics_cookie_names(name, matches):
    """Exactly "_ga" and "_ga_<something>" are Google Analytics cookies."""
    assert is_analytics_cookie(name) is matches
