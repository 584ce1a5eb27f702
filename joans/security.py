"""Response headers and the cross-site request check that every POST passes.

The public site sets no session cookie, so its forms cannot carry a session-bound CSRF token.
Instead every state-changing request must come from our own pages, which browsers prove with
``Sec-Fetch-Site`` (or, in older browsers, ``Origin``). Requests that carry neither header come
from programs, not browsers, and a forged cross-site request cannot strip them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request
from flask.wrappers import Response

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

BASE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}


def init_app(app: Flask) -> None:
    """Check cross-site POSTs and add the security headers to every response."""
    app.before_request(_refuse_cross_site_requests)
    app.after_request(_set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def csp_nonce() -> str:
    """The nonce that inline scripts of this response must carry (128 random bits)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_csp_sources(directive: str, *sources: str) -> None:
    """Add sources to one directive of this response's policy (e.g. after statistics consent)."""
    allowed = _policy().setdefault(directive, [])
    allowed.extend(source for source in sources if source not in allowed)


def reset_csp_sources() -> None:
    """Drop every source added to this response's policy, back to the base policy."""
    g.pop("csp", None)


def _policy() -> dict[str, list[str]]:
    # Created on first use, so error pages raised before any view ran still get a policy.
    if "csp" not in g:
        g.csp = {directive: list(sources) for directive, sources in BASE_CSP.items()}
    return g.csp


def _csp_header() -> str:
    policy = dict(_policy())
    policy["script-src"] = [*policy["script-src"], f"'nonce-{csp_nonce()}'"]
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


def allow_cross_site_posts(view: Callable) -> Callable:
    """Exempt one view from the cross-site check below; use it only where a standard says so.

    The one such view is the newsletter's unsubscribe URL: RFC 8058 has mail providers and mail
    clients POST ``List-Unsubscribe=One-Click`` to it, possibly from a webmail page on another
    site, and the signed token in the URL is what authorises that request.
    """
    view.allow_cross_site_posts = True
    return view


def _refuse_cross_site_requests() -> None:
    if request.method in SAFE_METHODS or is_same_origin_request():
        return
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "allow_cross_site_posts", False):
        abort(403)


def is_same_origin_request() -> bool:
    """True unless the browser tells us the request was started by another site."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        # "none" is a navigation the user started (a bookmark, the address bar).
        return fetch_site in {"same-origin", "none"}
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return is_own_url(origin)


def is_own_url(url: str) -> bool:
    """Whether ``url`` is absolute and on this site (its scheme, host and port)."""
    return _origin_of(url) in _own_origins()


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None  # includes the opaque origin "null"
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_origins() -> set[str]:
    origins = {_origin_of(request.host_url)}
    if current_app.config["SITE_URL"]:
        origins.add(_origin_of(current_app.config["SITE_URL"]))
    return origins


def _set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = _csp_header()
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["ENV"] == "production":
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response
