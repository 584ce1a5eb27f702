"""Every public page in both languages: status, language, alternates, canonical, switcher."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.public import PUBLIC_PAGES, PUBLIC_URLS

ORIGIN = "http://localhost"  # the test client's host
SEED_POLICY = Path(__file__).resolve().parents[1] / "data" / "privacy-policy.en.txt"


def test_every_registered_page_is_in_the_public_page_table(app):
    """A new public page must join the table that the site-wide tests walk."""
    from joans.i18n import PAGES as REGISTERED

    assert set(REGISTERED) == set(PUBLIC_PAGES)
    with app.test_request_context():
        from flask import url_for

        for endpoint, (sv_url, en_url) in PUBLIC_PAGES.items():
            assert url_for(endpoint, lang_code="sv") == sv_url
            assert url_for(endpoint, lang_code="en") == en_url


@pytest.mark.parametrize(("sv_url", "en_url"), PUBLIC_PAGES.values())
def test_page_answers_in_both_languages_with_alternates(client, sv_url, en_url):
    """Each language version is 200, declares its language and links to the other version."""
    for url, lang, other_url in ((sv_url, "sv", en_url), (en_url, "en", sv_url)):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        assert f'<link rel="canonical" href="{ORIGIN}{url}">' in html
        assert f'<link rel="alternate" hreflang="sv" href="{ORIGIN}{sv_url}">' in html
        assert f'<link rel="alternate" hreflang="en" href="{ORIGIN}{en_url}">' in html
        assert f'<link rel="alternate" hreflang="x-default" href="{ORIGIN}{sv_url}">' in html
        other_lang = "en" if lang == "sv" else "sv"
        assert re.search(
            rf'<a class="language-switcher" href="{re.escape(other_url)}" hreflang="{other_lang}"',
            html,
        ), f"no switcher to {other_url} on {url}"


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/", "Webbplatser, webbhotell och e-post för svenska företag"),
        ("/en/", "Websites, hosting and e-mail for Swedish businesses"),
        ("/tjanster", "Domänregistrering"),
        ("/en/services", "Domain registration"),
        ("/om-oss", "Så arbetar vi"),
        ("/en/about", "How we work"),
        ("/integritetspolicy", "Vi sparar företags- och personuppgifter så länge du är kund"),
        ("/en/privacy", "We store company and personal data for as long as you are a customer"),
    ],
)
def test_pages_are_written_in_their_language(client, url, text):
    """Swedish URLs show Swedish copy and English URLs English copy."""
    assert text in client.get(url).get_data(as_text=True)


def test_site_url_setting_makes_links_absolute_on_the_public_host(app):
    """Behind a proxy the canonical and alternate links use the configured site URL."""
    app.config["SITE_URL"] = "https://joans.se"
    html = app.test_client().get("/en/about").get_data(as_text=True)
    assert '<link rel="canonical" href="https://joans.se/en/about">' in html
    assert '<link rel="alternate" hreflang="sv" href="https://joans.se/om-oss">' in html


def test_english_home_without_slash_redirects_to_it(client):
    """/en is the English home page too."""
    response = client.get("/en")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/en/")


def test_navigation_marks_the_current_page(client):
    """Screen readers hear which menu entry is the page they are on."""
    html = client.get("/tjanster").get_data(as_text=True)
    assert '<a href="/tjanster" aria-current="page">Tjänster</a>' in html
    assert '<a href="/om-oss">Om oss</a>' in html


def test_english_privacy_policy_holds_every_sentence_of_the_policy_as_written(client):
    """Each line of the adopted policy text appears word for word on /en/privacy."""
    page = client.get("/en/privacy").get_data(as_text=True)
    text = html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))
    for line in SEED_POLICY.read_text().splitlines():
        assert line.strip().removeprefix("- ") in text, line  # list markers become <li>


def test_robots_txt_points_at_the_sitemap(client):
    """Crawlers are allowed in and told where the sitemap is."""
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "Sitemap: http://localhost/sitemap.xml" in response.get_data(as_text=True)


def test_sitemap_lists_every_page_in_both_languages_with_alternates(client):
    """The sitemap holds each page once per language, each with both hreflang alternates."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ElementTree.fromstring(response.data)  # noqa: S314 - our own output
    locations = [url.find("s:loc", ns).text for url in root.findall("s:url", ns)]
    expected = {f"{ORIGIN}{url}" for url in PUBLIC_URLS}
    assert expected <= set(locations)
    assert len(locations) == len(set(locations))
    for url in root.findall("s:url", ns):
        hreflangs = {link.get("hreflang") for link in url.findall("x:link", ns)}
        assert hreflangs == {"sv", "en"}


def test_favicon_is_served(client):
    """Browsers that ask for /favicon.ico get an icon, not a 404."""
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:4] == b"\x00\x00\x01\x00"
