"""Rendered public pages, kept per worker and reused for every visitor in the same situation.

A page such as the services page is the same for every visitor who has the same consent status,
apart from the CSP nonce. It is rendered once with a placeholder in place of the nonce, and each
response gets the placeholder replaced by its own fresh nonce. Anything that differs per visitor
(Google Analytics after Accept, whose cookie lifetime depends on the visitor's consent, or a
query string) is rendered every time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request

from joans.consent.visitor import ConsentStatus, visitor_consent
from joans.i18n import current_language
from joans.security import csp_nonce

# Cannot occur in a page: it is random per process, and only the renderer knows it.
PLACEHOLDER = f"nonce-placeholder-{secrets.token_hex(16)}"
# Entries are few (pages x languages x consent states x hosts); the bound only guards against
# a flood of made-up Host headers when SITE_URL is not set.
MAX_ENTRIES = 512


def cached_page(view: Callable[..., str]) -> Callable[..., str]:
    """Serve ``view``'s page from the cache when it is the same for every such visitor."""

    @wraps(view)
    def wrapper(**values):
        key = _key(values)
        if key is None:
            return view(**values)
        cache = current_app.extensions.setdefault("joans.page_cache", {})
        page = cache.get(key)
        if page is None:
            real_nonce = csp_nonce()
            g.csp_nonce = PLACEHOLDER
            try:
                page = view(**values)
            finally:
                g.csp_nonce = real_nonce
            if len(cache) >= MAX_ENTRIES:
                cache.clear()
            cache[key] = page
        return page.replace(PLACEHOLDER, csp_nonce())

    return wrapper


def _key(values: dict) -> tuple | None:
    status = visitor_consent().status
    if status is ConsentStatus.ACCEPTED or request.query_string:
        return None
    host = None if current_app.config["SITE_URL"] else request.host_url
    return (request.endpoint, current_language(), status, host, tuple(sorted(values.items())))
