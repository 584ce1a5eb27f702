"""The GA4 tag in basic consent mode, and the CSP sources it needs, for one response."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from flask import current_app

from joans.security import allow_csp_sources

# Google's list for GA4 (developers.google.com/tag-platform/security/guides/csp); without
# Google signals no google.com or doubleclick.net host is needed.
GOOGLE_CSP_SOURCES = {
    "script-src": ("https://*.googletagmanager.com",),
    "img-src": ("https://*.google-analytics.com", "https://*.googletagmanager.com"),
    "connect-src": (
        "https://*.google-analytics.com",
        "https://*.analytics.google.com",
        "https://*.googletagmanager.com",
    ),
}
GTAG_URL = "https://www.googletagmanager.com/gtag/js"


@dataclass(frozen=True)
class AnalyticsTag:
    """What the GA snippet needs: the measurement id and gtag.js's URL."""

    measurement_id: str
    script_url: str


def analytics_tag() -> AnalyticsTag:
    """The parts of the tag that are the same for every visitor who accepted."""
    measurement_id = current_app.config["GA_MEASUREMENT_ID"]
    return AnalyticsTag(
        measurement_id=measurement_id,
        script_url=f"{GTAG_URL}?{urlencode({'id': measurement_id})}",
    )


def analytics_config(consent_expires_at: datetime, now: datetime) -> dict:
    """GA's config command for one visitor; names Google's hosts in this response's CSP.

    Call it only for a response that will carry the snippet: the CSP and the markup go together.
    """
    config = current_app.config
    for directive, sources in GOOGLE_CSP_SOURCES.items():
        allow_csp_sources(directive, *sources)
    cookie_flags = "samesite=lax;secure" if config["CONSENT_COOKIE_SECURE"] else "samesite=lax"
    return {
        "allow_google_signals": False,
        "allow_ad_personalization_signals": False,
        # GA's "auto" would pick the widest domain it can write to; pin it to the one
        # that declining expires, or to host-only cookies when none is configured.
        "cookie_domain": config["COOKIE_DOMAIN"] or "none",
        # GA's cookies must not outlive the consent that allowed them.
        "cookie_expires": max(int((consent_expires_at - now).total_seconds()), 0),
        "cookie_flags": cookie_flags,
    }
