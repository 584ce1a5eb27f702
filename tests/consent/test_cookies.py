"""The public site sets no cookie (DESIGN.md, "Cookies and cross-site protection")."""

from __future__ import annotations

import pytest

from tests.public import PUBLIC_URLS

OTHER_URLS = [
    ("/robots.txt", 200),
    ("/sitemap.xml", 200),
    ("/favicon.ico", 200),
    ("/healthz", 200),
    ("/does-not-exist", 404),
]


@pytest.mark.parametrize(("url", "status"), [(url, 200) for url in PUBLIC_URLS] + OTHER_URLS)
def test_public_url_sets_no_cookie(client, url, status):
    """No Set-Cookie header, whichever page a first-time visitor opens."""
    with client.get(url) as response:
        assert response.status_code == status
        assert "Set-Cookie" not in response.headers
