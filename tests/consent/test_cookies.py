"""The public site sets no cookie (DESIGN.md, "Cookies and cross-site protection")."""

from __future__ import annotations

import pytest

from tests.public import PUBLIC_URLS

OTHER_URLS = ["/robots.txt", "/sitemap.xml", "/favicon.ico", "/healthz", "/does-not-exist"]


@pytest.mark.parametrize("url", PUBLIC_URLS + OTHER_URLS)
def test_public_url_sets_no_cookie(client, url):
    """No Set-Cookie header, whichever page a first-time visitor opens."""
    with client.get(url) as response:
        assert response.status_code in {200, 404}
        assert "Set-Cookie" not in response.headers
