"""The cookie page: current choice and a table generated from the registry (CHECKLISTS.md C14)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime

import pytest
import time_machine

from joans.consent.cookies import site_cookies
from tests.consent import GA_CONFIG, GA_COOKIES, choose

MOMENT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    """A site with Google Analytics configured."""
    return GA_CONFIG


def table_rows(html: str) -> list[list[str]]:
    """The cookie table's body rows as lists of cell texts."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.DOTALL).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    return [
        [
            html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        ]
        for row in rows
    ]


@pytest.mark.parametrize(("url", "lang"), [("/cookies", "sv"), ("/en/cookies", "en")])
def test_table_is_generated_from_the_registry_in_the_page_language(app, client, url, lang):
    """One row per registry cookie: name, purpose, lifetime, who sets it, whether it needs
    consent."""
    rows = table_rows(client.get(url).get_data(as_text=True))
    with app.test_request_context(url):
        cookies = site_cookies()
    assert [row[:4] for row in rows] == [
        [cookie.name, cookie.purpose, cookie.lifetime, cookie.set_by] for cookie in cookies
    ]
    assert [row[0] for row in rows] == ["joans_consent", *GA_COOKIES, "joans_staff"]


def test_swedish_and_english_tables_say_the_same_in_their_languages(client):
    """Lifetimes and purposes are translated, not copied."""
    sv = table_rows(client.get("/cookies").get_data(as_text=True))
    en = table_rows(client.get("/en/cookies").get_data(as_text=True))
    assert sv[0][2] == "365 dagar efter att du har godkänt, 180 dagar efter att du har avböjt"
    assert en[0][2] == "365 days after you accept, 180 days after you decline"
    assert sv[1][4] == "Ja"
    assert en[3][4] == "No, strictly necessary"


def test_table_follows_the_configured_lifetimes_and_names(app, client):
    """Change a setting and the table says so: there is one source of truth."""
    app.config.update(CONSENT_ACCEPTED_DAYS=90, GA_MEASUREMENT_ID="G-OTHER42")
    rows = table_rows(client.get("/en/cookies").get_data(as_text=True))
    assert rows[0][2].startswith("90 days after you accept")
    assert rows[2][0] == "_ga_OTHER42"
    assert rows[1][2] == "Until your consent runs out, at most 90 days"


def test_every_cookie_the_site_sets_is_in_the_registry(app, client):
    """Whatever the site answers to accepting, declining and withdrawing, names only registry
    cookies."""
    client.set_cookie("_ga", "1")
    client.set_cookie("_ga_JOANSTEST1", "1")
    responses = [choose(client, "accept"), choose(client, "decline", script=True)]
    responses += [choose(client, "decline"), client.get("/"), client.get("/cookies")]
    names = {
        header.split("=", 1)[0]
        for response in responses
        for header in response.headers.getlist("Set-Cookie")
    }
    with app.test_request_context():
        registered = {cookie.name for cookie in site_cookies()}
    assert names == {"joans_consent", *GA_COOKIES}
    assert names <= registered


@pytest.mark.parametrize(
    ("choice", "text"),
    [
        (None, "You have not made a choice yet."),
        ("accept", "You accepted statistics cookies on March 2, 2026. "
                   "We will ask you again on March 2, 2027."),
        ("decline", "You declined statistics cookies on March 2, 2026. "
                    "We will ask you again on August 29, 2026."),
    ],
)  # fmt: skip
def test_page_states_the_current_choice_and_when_it_ends(client, choice, text):
    """The visitor sees what they chose, when, and when we will ask again."""
    with time_machine.travel(MOMENT, tick=False):
        if choice:
            choose(client, choice)
        html = client.get("/en/cookies").get_data(as_text=True)
    assert text in html


def test_swedish_page_states_the_choice_with_swedish_dates(client):
    """Dates follow the page's language."""
    with time_machine.travel(MOMENT, tick=False):
        choose(client, "accept")
        html = client.get("/cookies").get_data(as_text=True)
    assert (
        "Du godkände statistikcookies den 2 mars 2026. Vi frågar dig igen den 2 mars 2027." in html
    )


def test_page_offers_both_buttons_whatever_the_state(client):
    """Accept and Decline (or Withdraw) are always one click away on this page."""
    html = client.get("/en/cookies").get_data(as_text=True)
    labels = re.findall(r"<button [^>]*>([^<]+)</button>", html)
    assert labels == ["Accept statistics cookies", "Decline statistics cookies"]
    choose(client, "accept")
    html = client.get("/en/cookies").get_data(as_text=True)
    labels = re.findall(r"<button [^>]*>([^<]+)</button>", html)
    assert labels == ["Accept statistics cookies", "Withdraw consent"]


def test_cookie_page_is_in_the_sitemap(client):
    """A public page like the others."""
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://localhost/cookies</loc>" in sitemap
    assert "<loc>http://localhost/en/cookies</loc>" in sitemap
