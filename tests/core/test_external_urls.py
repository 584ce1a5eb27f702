"""Links that leave the site are built on SITE_URL, with or without a request."""

from __future__ import annotations

import pytest

from joans.areas import external_url


@pytest.fixture
def app_config():
    return {"SITE_URL": "https://joans.se"}


def test_a_link_is_built_in_an_app_context_without_any_request(app):
    """Services and flask commands need no request context (and no made-up one) for links."""
    with app.app_context():
        assert external_url("public.services", lang_code="en") == "https://joans.se/en/services"
        assert external_url("staff.callbacks") == "https://joans.se/staff/callbacks"
        assert (
            external_url("newsletter.unsubscribe", token="TOKEN", lang_code="sv")
            == "https://joans.se/nyhetsbrev/avregistrera/TOKEN"
        )


def test_the_host_a_request_came_in_on_never_shows_in_a_link(app):
    """An internal host or a forged Host header does not leak into e-mails or canonical links."""
    with app.test_request_context("/en/about", base_url="http://10.0.0.7:8000"):
        assert external_url("public.about") == "https://joans.se/en/about"
    html = app.test_client().get("/en/about", base_url="http://evil.example").text
    assert '<link rel="canonical" href="https://joans.se/en/about">' in html
    assert "evil.example" not in html


def test_a_site_under_a_path_keeps_its_path(app):
    """SITE_URL may name a path the site is served under."""
    app.config["SITE_URL"] = "https://example.se/joans/"
    with app.app_context():
        assert external_url("public.home", lang_code="sv") == "https://example.se/joans/"
