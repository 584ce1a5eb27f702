"""Global Privacy Control: Sec-GPC: 1 without a stored choice is a refusal (CHECKLISTS.md C10)."""

from __future__ import annotations

import logging

import pytest

from joans import create_app
from joans.extensions import db
from joans.models import ConsentRecord
from tests.consent import ENTERING, GA_CONFIG, GPC, SAME_ORIGIN, banner_html, choose
from tests.public import PUBLIC_URLS


@pytest.fixture
def app_config():
    """A site with Google Analytics configured."""
    return GA_CONFIG


def consent_records(app) -> list[ConsentRecord]:
    """Every record in the consent log, oldest first."""
    with app.app_context():
        return db.session.scalars(db.select(ConsentRecord).order_by(ConsentRecord.id)).all()


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_signal_without_a_choice_means_no_banner_no_cookie_no_ga(client, url):
    """A short note replaces the banner; nothing is set and nothing from Google appears."""
    response = client.get(url, headers=GPC)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert banner_html(html) is None
    assert "Set-Cookie" not in response.headers
    assert "googletagmanager" not in html
    assert "google" not in response.headers["Content-Security-Policy"]
    if url in ("/cookies", "/en/cookies"):
        assert "Global Privacy Control" in html  # the page explains the state instead
    else:
        assert '<section class="consent-note"' in html
        assert "Global Privacy Control" in html


def test_only_the_exact_signal_counts(client):
    """Sec-GPC: 0 or any other value is no signal: the banner asks as usual."""
    for value in ("0", "true", ""):
        html = client.get("/", headers={"Sec-GPC": value}).get_data(as_text=True)
        assert banner_html(html) is not None


def test_explicit_accept_overrides_the_signal(client, app):
    """The visitor can still say yes: the cookie is set and GA runs despite the header."""
    response = client.post(
        "/cookies/val", data={"choice": "accept", "return_to": "/"}, headers={**SAME_ORIGIN, **GPC}
    )
    assert response.status_code == 303
    html = client.get("/", headers=GPC).get_data(as_text=True)
    assert "googletagmanager.com/gtag/js" in html
    assert '<section class="consent-note"' not in html
    assert consent_records(app)[-1].choice == "accepted"


def test_a_stored_refusal_is_not_turned_into_a_signal_refusal(client):
    """With a stored choice the cookie page states that choice, not the signal."""
    choose(client, "decline")
    html = client.get("/en/cookies", headers=GPC).get_data(as_text=True)
    assert "You declined statistics cookies on" in html


def test_entering_the_site_logs_one_signal_refusal_per_visit(client, app):
    """The navigation that enters the site is logged; pages read within the visit are not."""
    client.get("/en/services", headers={**GPC, **ENTERING})
    client.get("/en/about", headers={**GPC, "Sec-Fetch-Mode": "navigate", **SAME_ORIGIN})
    client.get("/en/", headers={**GPC, "Sec-Fetch-Mode": "navigate", **SAME_ORIGIN})
    (record,) = consent_records(app)
    assert (record.choice, record.method, record.language, record.revision) == (
        "declined",
        "gpc",
        "en",
        1,
    )
    client.get("/", headers={**GPC, "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "cross-site"})
    assert [record.method for record in consent_records(app)] == ["gpc", "gpc"]


def test_no_signal_refusal_is_logged_without_the_signal_or_for_other_requests(client, app):
    """No header, a stored choice, a non-page URL or a request without Sec-Fetch-*: no row."""
    client.get("/", headers=ENTERING)
    client.get("/robots.txt", headers={**GPC, **ENTERING})
    client.get("/finns-inte", headers={**GPC, **ENTERING})
    client.get("/", headers=GPC)  # not a browser navigation: scripts and crawlers
    assert consent_records(app) == []
    choose(client, "decline")
    client.get("/", headers={**GPC, **ENTERING})
    assert [record.method for record in consent_records(app)] == ["form"]


def test_a_signal_refusal_needs_ga_to_be_configured(client, app):
    """Without a measurement id there is nothing to refuse and nothing is logged."""
    app.config["GA_MEASUREMENT_ID"] = None
    html = client.get("/", headers={**GPC, **ENTERING}).get_data(as_text=True)
    assert "consent-note" not in html
    assert consent_records(app) == []


def test_the_page_still_answers_when_the_log_cannot_be_written(tmp_path, caplog):
    """The signal is honoured either way; a lost log row is a warning, not a failed page."""
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/no-such-dir/x.sqlite3",
            **GA_CONFIG,
        }
    )
    caplog.set_level(logging.WARNING)
    response = app.test_client().get("/", headers={**GPC, **ENTERING})
    assert response.status_code == 200
    assert '<section class="consent-note"' in response.get_data(as_text=True)
    assert "browser-signal refusal was lost" in caplog.text
