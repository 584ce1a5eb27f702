"""Rendered public pages, kept per worker and reused for every visitor in the same situation.

A page such as the services page is the same for every visitor who has the same consent status,
apart from a few values each response needs of its own: the CSP nonce, the signed time a form was
shown, the lifetime of Google Analytics' cookies (which ends with the visitor's consent). The page
is rendered once with placeholders in their place, and each response gets the placeholders
replaced by fresh values. A page with a query string is rendered every time, so made-up URLs
cannot fill the cache.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request

from joans.consent.visitor import visitor_consent
from joans.i18n import current_language
from joans.security import csp_nonce

# Cannot occur in a page: it is random per process, and only the renderer knows it.
PLACEHOLDER = f"placeholder-{secrets.token_hex(16)}"
# Entries are few (pages x languages x consent states); the bound is only a safeguard.
MAX_ENTRIES = 512


def cached_page(view: Callable[..., str]) -> Callable[..., str]:
    """Serve ``view``'s page from the cache when it is the same for every such visitor."""

    @wraps(view)
    def wrapper(**values):
        key = _key(values)
        if key is None:
            return view(**values)
        cache = current_app.extensions.setdefault("joans.consent.page_cache", {})
        entry = cache.get(key)
        if entry is None:
            entry = _render(view, values)
            if len(cache) >= MAX_ENTRIES:
                cache.clear()
            cache[key] = entry
        page, fresh_values = entry
        for placeholder, make in fresh_values.items():
            page = page.replace(placeholder, make())
        return page

    return wrapper


def per_response(name: str, make: Callable[[], str]) -> str:
    """The value ``make`` returns, made afresh for every response, even one from the cache.

    ``make`` runs in the request it serves, so it may also set that response's headers.
    """
    fresh_values = g.get("page_cache_fresh_values")
    if fresh_values is None:
        return make()
    placeholder = f"{PLACEHOLDER}-{name}"
    fresh_values[placeholder] = make
    return placeholder


def _render(view: Callable[..., str], values: dict) -> tuple[str, dict[str, Callable[[], str]]]:
    real_nonce = csp_nonce()
    g.csp_nonce = f"{PLACEHOLDER}-nonce"
    # csp_nonce runs again when the page is served, after the real nonce is back in place.
    g.page_cache_fresh_values = {g.csp_nonce: csp_nonce}
    try:
        page = view(**values)
        return page, g.page_cache_fresh_values
    finally:
        g.csp_nonce = real_nonce
        del g.page_cache_fresh_values


def _key(values: dict) -> tuple | None:
    if request.method not in ("GET", "HEAD") or request.query_string:
        return None
    status = visitor_consent().status
    return (request.endpoint, current_language(), status, tuple(sorted(values.items())))
