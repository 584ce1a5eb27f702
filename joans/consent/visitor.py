"""The visitor's consent for this request: stored choice, browser signal, or nothing yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app, g, request

from joans.consent.choice import StoredChoice, read_choice
from joans.errors import is_error_page
from joans.models.types import utcnow

# Navigations that bring a browser onto the site rather than from one of our pages to another.
ENTERING_FETCH_SITES = {"none", "cross-site", "same-site"}


class ConsentStatus(StrEnum):
    """Where the visitor stands on statistics cookies."""

    UNDECIDED = "undecided"  # no honoured choice: the banner asks
    ACCEPTED = "accepted"
    DECLINED = "declined"
    # Sec-GPC: 1 and no honoured choice: a refusal without a cookie (W3C GPC, GDPR art. 21(5)).
    REFUSED_BY_SIGNAL = "signal"


@dataclass(frozen=True)
class VisitorConsent:
    """The status, and the stored choice behind it when there is an honoured one."""

    status: ConsentStatus
    stored: StoredChoice | None = None

    @property
    def expires_at(self) -> datetime | None:
        """When the honoured choice runs out, if there is one."""
        return self.stored.expires_at() if self.stored else None


def visitor_consent() -> VisitorConsent:
    """Read the consent cookie and the GPC header once per request."""
    if "visitor_consent" not in g:
        g.visitor_consent = _resolve()
    return g.visitor_consent


def _resolve() -> VisitorConsent:
    stored = read_choice(request.cookies.get(current_app.config["CONSENT_COOKIE_NAME"]))
    if stored is not None and stored.is_honoured(utcnow()):
        status = ConsentStatus.ACCEPTED if stored.accepted else ConsentStatus.DECLINED
        return VisitorConsent(status, stored)
    if sends_privacy_signal():
        return VisitorConsent(ConsentStatus.REFUSED_BY_SIGNAL)
    return VisitorConsent(ConsentStatus.UNDECIDED)


def sends_privacy_signal() -> bool:
    """True when the browser sends Global Privacy Control (``Sec-GPC: 1``)."""
    return request.headers.get("Sec-GPC", "").strip() == "1"


def enters_the_site() -> bool:
    """True for a top-level navigation from a bookmark, the address bar or another site."""
    return (
        request.headers.get("Sec-Fetch-Mode") == "navigate"
        and request.headers.get("Sec-Fetch-Site") in ENTERING_FETCH_SITES
    )


def is_public_page() -> bool:
    """True while answering a public page: the only responses that may carry the banner or GA.

    A public page is a localised route (one URL per language) of a blueprint registered as
    public, whose response is not an error page. The staff area fails the first two tests
    whatever template it renders.
    """
    public_blueprints = current_app.extensions.get("joans.public_blueprints", frozenset())
    return request.blueprint in public_blueprints and "lang_code" in g and not is_error_page()
