"""What the public layout shows about statistics cookies on this response."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from joans.consent.analytics import AnalyticsTag, analytics_config, analytics_tag
from joans.consent.page_cache import per_response
from joans.consent.settings import analytics_configured
from joans.consent.visitor import ConsentStatus, is_public_page, visitor_consent
from joans.models.types import utcnow

COOKIE_PAGE = "consent.settings"


@dataclass(frozen=True)
class ConsentUI:
    """The banner, the privacy-signal note, the GA tag and our script: each on or off."""

    banner: bool = False
    signal_note: bool = False
    analytics: AnalyticsTag | None = None
    script: bool = False


def consent_ui() -> ConsentUI:
    """Decide once per response; anything but a public page with GA configured gets nothing."""
    # Checked on every call: a view that fails after its layout rendered ends on an error page.
    if not analytics_configured() or not is_public_page():
        return ConsentUI()
    if "consent_ui" not in g:
        g.consent_ui = _decide()
    return g.consent_ui


def without_statistics() -> None:
    """Show neither the banner nor Google Analytics on this response.

    For pages whose URL holds a secret (a newsletter's unsubscribe link), which must never be
    reported to Google, and which a visitor opens for one click, not to browse the site.
    """
    g.consent_ui = ConsentUI()


def _decide() -> ConsentUI:
    visitor = visitor_consent()
    # The cookie page is the full choice itself; a banner on top of it would only repeat it.
    on_cookie_page = request.endpoint == COOKIE_PAGE
    banner = visitor.status is ConsentStatus.UNDECIDED and not on_cookie_page
    analytics = None
    if visitor.status is ConsentStatus.ACCEPTED:
        analytics = analytics_tag()
    return ConsentUI(
        banner=banner,
        signal_note=visitor.status is ConsentStatus.REFUSED_BY_SIGNAL and not on_cookie_page,
        analytics=analytics,
        script=banner or on_cookie_page,
    )


def analytics_config_json() -> Markup:
    """GA's config command for this visitor, as JSON; fresh on each response, even a cached page.

    Its cookie lifetime ends with the visitor's consent, and it names Google's hosts in the
    response's CSP, so no two responses can share it.
    """
    return per_response("analytics-config", _analytics_config_json)


def _analytics_config_json() -> Markup:
    visitor = visitor_consent()
    return htmlsafe_json_dumps(analytics_config(visitor.expires_at, utcnow()))
