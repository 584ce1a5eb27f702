"""Settings and helpers shared by the consent tests (web and browser)."""

from __future__ import annotations

import re

MEASUREMENT_ID = "G-JOANSTEST1"
GA_COOKIES = ("_ga", "_ga_JOANSTEST1")
CONSENT_COOKIE = "joans_consent"  # the development name, which tests use
# The settings of a site with Google Analytics configured.
GA_CONFIG = {"GA_MEASUREMENT_ID": MEASUREMENT_ID}
GOOGLE = re.compile(r"google", re.IGNORECASE)
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
SCRIPT = {**SAME_ORIGIN, "Accept": "application/json"}
# What a browser sends when the visitor types the address or follows a link from elsewhere.
ENTERING = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none"}
GPC = {"Sec-GPC": "1"}


def choose(client, choice: str, *, return_to: str = "/", script: bool = False, lang: str = "sv"):
    """Press Accept or Decline: as a plain form post, or as our script does (``script=True``)."""
    url = "/cookies/val" if lang == "sv" else "/en/cookies/choice"
    return client.post(
        url,
        data={"choice": choice, "return_to": return_to},
        headers=SCRIPT if script else SAME_ORIGIN,
    )


def banner_html(html: str) -> str | None:
    """The banner section of a page, or None when the page has none."""
    match = re.search(r'<section class="consent-banner".*?</section>', html, re.DOTALL)
    return match.group(0) if match else None


def set_cookie_headers(response, name: str) -> list[str]:
    """Every Set-Cookie header of ``response`` for the cookie ``name``."""
    return [
        header for header in response.headers.getlist("Set-Cookie") if header.startswith(f"{name}=")
    ]
