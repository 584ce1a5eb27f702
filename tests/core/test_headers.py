"""Security headers on every response (CHECKLISTS.md, "Headers")."""

from __future__ import annotations

import base64

import pytest

from tests.public import PUBLIC_URLS

OTHER_URLS = [
    ("/robots.txt", 200),
    ("/sitemap.xml", 200),
    ("/healthz", 200),
    ("/does-not-exist", 404),
    ("/en/does-not-exist", 404),
]


def csp_directives(response) -> dict[str, list[str]]:
    """Parse a Content-Security-Policy header into {directive: [sources]}."""
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def nonce_of(response) -> str:
    """The nonce in the response's script-src."""
    (nonce,) = [
        source.removeprefix("'nonce-").removesuffix("'")
        for source in csp_directives(response)["script-src"]
        if source.startswith("'nonce-")
    ]
    return nonce


@pytest.mark.parametrize(("url", "status"), [(url, 200) for url in PUBLIC_URLS] + OTHER_URLS)
def test_every_response_has_a_strict_csp_and_the_other_headers(client, url, status):
    """script-src has a nonce and nothing unsafe; frames, plugins and <base> are forbidden."""
    response = client.get(url)
    assert response.status_code == status
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert not any("unsafe" in source for source in directives["script-src"])
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert len(base64.urlsafe_b64decode(nonce_of(response) + "==")) >= 16  # 128 bits
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_each_response_gets_a_fresh_nonce(client):
    """A nonce that repeats would let an attacker who saw one page inject scripts into the next."""
    nonces = {nonce_of(client.get("/")) for _ in range(5)}
    assert len(nonces) == 5


def test_public_pages_name_no_google_host_in_the_policy(client):
    """Before any consent the policy allows only our own origin."""
    for url in PUBLIC_URLS:
        assert "google" not in client.get(url).headers["Content-Security-Policy"]


def test_hsts_only_in_production(client, app, migrated_database):
    """Development runs on plain HTTP, where HSTS would lock a laptop out of localhost."""
    from joans import create_app

    assert "Strict-Transport-Security" not in client.get("/").headers
    production = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "a-real-secret",
            "NEWSLETTER_SECRET_KEY": "another-real-secret",
            "DATABASE_URL": migrated_database,
            "SITE_URL": "https://joans.se",
        }
    )
    hsts = production.test_client().get("/").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=63072000")
