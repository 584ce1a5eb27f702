"""The back office's pages: headers, layout, language, error pages, dashboard panels."""

from __future__ import annotations

import pytest

from joans.backoffice import dashboard
from joans.crm.staff_views import crm_panel
from tests.core.test_headers import csp_directives

LOGGED_IN_URLS = [
    ("/staff/", 200),
    ("/staff/companies", 200),
    ("/staff/contacts", 200),
    ("/staff/companies/new", 200),
    ("/staff/contacts/new", 200),
    ("/staff/search", 200),
    ("/staff/account", 200),
    ("/staff/account/two-factor", 200),
    ("/staff/accounts", 200),
    ("/staff/audit", 200),
    ("/staff/export", 200),
    ("/staff/missing", 404),
]


@pytest.fixture
def admin_client(client, login_as_staff):
    """A client logged in as an admin."""
    login_as_staff(client, role="admin")
    return client


@pytest.mark.parametrize(("url", "status"), LOGGED_IN_URLS)
def test_staff_pages_are_never_cached_or_indexed(admin_client, url, status):
    """`no-store` and `noindex` on every back-office response, the 404 page included."""
    response = admin_client.get(url)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("url", ["/staff/login", "/staff/forgot-password", "/staff/nope"])
def test_anonymous_staff_pages_are_not_cached_either(client, url):
    """The login pages and errors under /staff carry the same headers."""
    response = client.get(url)
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_public_pages_keep_their_caching(client):
    """The headers are the back office's only."""
    assert "X-Robots-Tag" not in client.get("/").headers


@pytest.mark.parametrize(("url", "status"), LOGGED_IN_URLS)
def test_staff_pages_have_their_own_layout_and_no_google(admin_client, url, status):
    """Own navigation, no public menu or footer, no Google host in the page or the CSP."""
    response = admin_client.get(url)
    assert response.status_code == status
    page = response.text
    assert 'class="staff-header"' in page
    assert "site-footer" not in page and "site-nav" not in page
    assert "google" not in page.lower()
    assert "google" not in response.headers["Content-Security-Policy"]
    assert not any("unsafe" in source for source in csp_directives(response)["script-src"])


def test_staff_error_page_uses_the_staff_layout_in_the_members_language(
    client, make_staff, login_as_staff
):
    """A 404 under /staff is the back office's page, in the staff member's language."""
    login_as_staff(client, make_staff(language="en"))
    response = client.get("/staff/companies/424242")
    assert response.status_code == 404
    assert '<html lang="en">' in response.text
    assert "Page not found" in response.text and "Go to the back office" in response.text


def test_admin_links_are_shown_to_admins_only(client, app, login_as_staff):
    """Staff do not see links to pages that would refuse them."""
    login_as_staff(client, role="staff")
    assert "/staff/audit" not in client.get("/staff/").text
    admin = app.test_client()
    login_as_staff(admin, role="admin")
    assert "/staff/audit" in admin.get("/staff/").text


def test_dashboard_shows_registered_panels_and_nothing_for_absent_ones(admin_client, monkeypatch):
    """A feature adds a panel by registering a function; one that returns None adds nothing."""
    monkeypatch.setattr(dashboard, "PANELS", [crm_panel])
    dashboard.dashboard_panel(lambda: None)
    page = admin_client.get("/staff/").text
    assert page.count('class="panel"') == 1
    assert "Kundregister" in page
