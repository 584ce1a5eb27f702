"""The cookie banner through the test client (CHECKLISTS.md C1-C4, C6, C12, C13)."""

from __future__ import annotations

import re

import pytest

from tests.consent import (
    GA_CONFIG,
    GOOGLE,
    MEASUREMENT_ID,
    banner_html,
    choose,
)
from tests.public import PUBLIC_PAGES, PUBLIC_URLS

BANNER_URLS = [url for url in PUBLIC_URLS if url not in PUBLIC_PAGES["consent.settings"]]


@pytest.fixture
def app_config():
    """A site with Google Analytics configured."""
    return GA_CONFIG


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_first_visit_sets_no_cookie_and_carries_nothing_from_google(client, url):
    """C1: before a choice no Set-Cookie, no Google markup, no Google host in the CSP."""
    response = client.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not GOOGLE.search(response.headers["Content-Security-Policy"])
    html = response.get_data(as_text=True)
    assert "googletagmanager" not in html
    assert MEASUREMENT_ID not in html
    assert "gtag(" not in html


@pytest.mark.parametrize("url", BANNER_URLS)
def test_banner_is_in_the_first_html_of_every_public_page(client, url):
    """C13: the server renders the banner, so it is there before any script runs."""
    assert banner_html(client.get(url).get_data(as_text=True)) is not None


def test_cookie_page_shows_the_choice_instead_of_a_banner(client):
    """The cookie page is the full choice; a banner on top of it would repeat it."""
    html = client.get("/cookies").get_data(as_text=True)
    assert banner_html(html) is None
    assert html.count('action="/cookies/val"') == 2


def test_banner_has_two_equal_buttons_and_says_purpose_and_withdrawal(client):
    """C2: Accept and Decline are buttons of one class; the text names statistics, says consent
    can be withdrawn at any time and links to the cookie page."""
    banner = banner_html(client.get("/tjanster").get_data(as_text=True))
    buttons = re.findall(r"<button ([^>]*)>([^<]*)</button>", banner)
    assert [label for _, label in buttons] == ["Godkänn", "Avböj"]
    assert buttons[0][0] == buttons[1][0]  # identical attributes, so identical styling
    assert "statistik" in banner
    assert "återkalla ditt samtycke när som helst" in banner
    assert 'href="/cookies"' in banner


def test_english_banner_is_in_english(client):
    """The banner speaks the page's language and posts to the English endpoint."""
    banner = banner_html(client.get("/en/services").get_data(as_text=True))
    assert re.findall(r"<button [^>]*>([^<]*)</button>", banner) == ["Accept", "Decline"]
    assert "withdraw your consent at any time" in banner
    assert 'action="/en/cookies/choice"' in banner
    assert 'href="/en/cookies"' in banner


def test_banner_is_a_labelled_region(client):
    """C13: screen readers announce it as a region named by its heading."""
    html = client.get("/").get_data(as_text=True)
    banner = banner_html(html)
    (label_id,) = re.findall(r'<section class="consent-banner" aria-labelledby="([^"]+)"', banner)
    assert re.search(rf'<h2 id="{label_id}">[^<]+</h2>', banner)


def test_banner_forms_post_back_to_the_page_they_are_on(client):
    """C3: each button is a form that names the page to return to."""
    banner = banner_html(client.get("/en/about?ref=x").get_data(as_text=True))
    assert banner.count('<form method="post" action="/en/cookies/choice"') == 2
    assert banner.count('name="return_to" value="/en/about?ref=x"') == 2


def test_ignoring_the_banner_is_a_refusal(client):
    """C4: a visitor who browses on without choosing gets no GA and no cookie, page after page."""
    for url in PUBLIC_URLS:
        response = client.get(url)
        assert "googletagmanager" not in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers
    assert client.get_cookie("joans_consent") is None


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_page_has_a_cookie_settings_link_in_the_footer(client, url):
    """C6: a visible control on every page reopens the choice in one click."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">') :]
    cookie_page = "/en/cookies" if url.startswith("/en") else "/cookies"
    label = "Cookie settings" if url.startswith("/en") else "Cookieinställningar"
    assert re.search(rf'<a href="{cookie_page}"[^>]*>{label}</a>', footer)


def test_withdrawing_takes_one_click_like_accepting(client):
    """C6: after Accept, the cookie page has a withdraw button that posts in one click."""
    choose(client, "accept")
    html = client.get("/cookies").get_data(as_text=True)
    withdraw = re.search(
        r'<form method="post" action="/cookies/val" data-consent-form>\s*'
        r'<input type="hidden" name="choice" value="decline">.*?<button[^>]*>([^<]+)</button>',
        html,
        re.DOTALL,
    )
    assert withdraw.group(1) == "Återkalla samtycke"


def test_banner_is_gone_after_a_choice(client):
    """Once the visitor has chosen, the banner does not come back on the next page."""
    choose(client, "decline")
    for url in BANNER_URLS:
        assert banner_html(client.get(url).get_data(as_text=True)) is None


def test_pages_that_read_the_choice_vary_on_cookie_and_gpc(client):
    """A shared cache must not hand one visitor's GA page to another."""
    vary = client.get("/").headers["Vary"]
    assert "Cookie" in vary
    assert "Sec-GPC" in vary


class TestWithoutMeasurementId:
    """C12: no measurement id, no banner and no GA at all."""

    @pytest.fixture
    def app_config(self):
        """The default settings: no GA_MEASUREMENT_ID."""
        return {}

    @pytest.mark.parametrize("url", PUBLIC_URLS)
    def test_no_banner_and_no_google(self, client, url):
        """Nothing to consent to, so nothing is asked and nothing from Google appears."""
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert banner_html(html) is None
        assert "data-consent-form" not in html
        assert "consent.js" not in html
        assert not GOOGLE.search(response.headers["Content-Security-Policy"])

    def test_choice_endpoint_does_not_exist_and_sets_nothing(self, client):
        """Posting a choice is a 404 and sets no cookie."""
        response = choose(client, "accept")
        assert response.status_code == 404
        assert "Set-Cookie" not in response.headers

    def test_cookie_page_says_there_is_nothing_to_choose(self, client):
        """The page still lists the cookies that can exist: only the staff session."""
        html = client.get("/en/cookies").get_data(as_text=True)
        assert "We use no statistics cookies at the moment" in html
        assert "<code>_ga</code>" not in html
        assert "<code>joans_staff</code>" in html

    def test_a_stored_acceptance_brings_no_ga_back(self, client, app):
        """A consent cookie from when GA was configured does not load GA now."""
        app.config["GA_MEASUREMENT_ID"] = MEASUREMENT_ID
        choose(client, "accept")
        app.config["GA_MEASUREMENT_ID"] = None
        assert "googletagmanager" not in client.get("/").get_data(as_text=True)
