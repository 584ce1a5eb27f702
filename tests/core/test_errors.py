"""Error pages: right status, translated, and nothing personal in the logs."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest

from joans.extensions import db, limiter

PERSONAL = "anna.andersson@example.se"


@pytest.fixture
def app(app):
    """The app with routes that fail in the ways real views can."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer like production instead of raising

    def crash():
        db.session.execute(text("SELECT 1"))  # leaves a transaction open
        raise ValueError(f"could not parse {PERSONAL}")

    def lose_database():
        raise OperationalError("SELECT 1", {"email": PERSONAL}, Exception("server closed"))

    def bad_request():
        raise BadRequest()

    @limiter.limit("1 per minute")
    def limited():
        return "ok"

    app.add_url_rule("/test/crash", view_func=crash)
    app.add_url_rule("/en/test/crash", endpoint="crash_en", view_func=crash)
    app.add_url_rule("/test/database", view_func=lose_database)
    app.add_url_rule("/test/bad", view_func=bad_request)
    app.add_url_rule("/test/limited", view_func=limited)
    return app


@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/finns-inte", 404, "Sidan finns inte"),
        ("/en/missing", 404, "Page not found"),
        ("/test/bad", 400, "Felaktig begäran"),
        ("/test/crash", 500, "Något gick fel"),
        ("/en/test/crash", 500, "Something went wrong"),
        ("/test/database", 503, "Tillfälligt otillgänglig"),
    ],
)
def test_error_pages_have_the_right_status_and_language(client, url, status, heading):
    """Each failure gets its status and a page in the URL's language."""
    response = client.get(url)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in html
    assert '<meta name="robots" content="noindex">' in html


def test_wrong_method_gets_405_with_allow_header(client):
    """PUT on a page is refused with the methods that would work."""
    response = client.put("/en/services")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "<h1>Method not allowed</h1>" in response.get_data(as_text=True)


def test_rate_limited_request_gets_translated_429(client):
    """Flask-Limiter's refusal uses our page."""
    assert client.get("/test/limited").status_code == 200
    response = client.get("/test/limited")
    assert response.status_code == 429
    assert "<h1>För många förfrågningar</h1>" in response.get_data(as_text=True)


def test_server_error_logs_without_personal_data(client, caplog):
    """The log names the exception and its stack, never the message that quoted the data."""
    caplog.set_level(logging.ERROR)
    assert client.get("/test/crash").status_code == 500
    logged = caplog.text
    assert "builtins.ValueError (message withheld)" in logged
    assert "in crash" in logged  # the stack frame is kept
    assert PERSONAL not in logged


def test_server_error_rolls_the_session_back_before_rendering(client):
    """The error page must not run on a session left mid-transaction by the failed view."""
    rollbacks = []

    def count(session):
        rollbacks.append(session)

    event.listen(Session, "after_rollback", count)
    try:
        assert client.get("/test/crash").status_code == 500
    finally:
        event.remove(Session, "after_rollback", count)
    assert rollbacks


def test_database_outage_is_503_and_not_logged_with_its_parameters(client, caplog):
    """Bound parameters of a failed statement never reach the log."""
    caplog.set_level(logging.DEBUG)
    assert client.get("/test/database").status_code == 503
    assert PERSONAL not in caplog.text


def test_engine_hides_bound_parameters_in_exceptions(app):
    """An integrity error's message would otherwise quote the values of the row."""
    with app.app_context():
        assert db.engine.hide_parameters
