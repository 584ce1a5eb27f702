"""Public forms are guarded by the browser's Sec-Fetch-Site and Origin headers, not by cookies."""

from __future__ import annotations

import pytest

from joans.extensions import csrf


@pytest.fixture
def app(app):
    """The app with one public POST endpoint, like the contact form's."""

    @csrf.exempt
    def public_form():
        return "accepted"

    app.add_url_rule("/test-form", view_func=public_form, methods=["POST"])
    return app


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site for our forms
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},  # sandboxed frames and some redirects
        {"Origin": "http://localhost:8080"},
    ],
)
def test_cross_site_post_is_refused_with_the_translated_403_page(client, headers):
    """A form another site submits through the visitor's browser is refused, in their language."""
    response = client.post("/test-form", headers=headers)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "<h1>Åtkomst nekad</h1>" in html
    assert "skicka det igen därifrån" in html


def test_cross_site_post_to_an_english_url_is_refused_in_english(client):
    """The error page speaks the language of the URL."""
    response = client.post("/en/services", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert "<h1>Access denied</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
        {"Sec-Fetch-Site": "none"},  # typed or bookmarked by the user
        {"Origin": "http://localhost"},  # older browsers send Origin only
        {},  # not a browser: curl, a mail server's one-click unsubscribe
    ],
)
def test_same_origin_post_is_accepted(client, headers):
    """Our own pages, and programs that are not browsers, get through."""
    response = client.post("/test-form", headers=headers)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "accepted"


def test_configured_site_url_counts_as_our_origin(app):
    """Behind a proxy that rewrites Host, the public origin from SITE_URL is still ours."""
    app.config["SITE_URL"] = "https://joans.se"
    client = app.test_client()
    assert client.post("/test-form", headers={"Origin": "https://joans.se"}).status_code == 200
    assert client.post("/test-form", headers={"Origin": "https://joans.se.evil"}).status_code == 403


def test_safe_methods_are_never_checked(client):
    """Following a link from another site is what links are for."""
    assert client.get("/", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_a_view_marked_allow_cross_site_posts_accepts_posts_from_other_sites(app):
    """The exemption is explicit, per view, and leaves every other view checked."""
    from joans.security import allow_cross_site_posts

    @csrf.exempt
    @allow_cross_site_posts
    def exempt_form():
        return "accepted"

    app.add_url_rule("/test-exempt", view_func=exempt_form, methods=["POST"])
    client = app.test_client()
    cross_site = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert client.post("/test-exempt", headers=cross_site).status_code == 200
    assert client.post("/test-form", headers=cross_site).status_code == 403


def test_only_the_one_click_unsubscribe_url_is_exempt(app):
    """RFC 8058 is the one documented reason to accept cross-site POSTs; nothing else uses it."""
    exempt = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "allow_cross_site_posts", False)
    }
    assert exempt == {"newsletter.unsubscribe"}
