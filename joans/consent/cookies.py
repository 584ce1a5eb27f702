"""The cookie registry: every cookie this site can set, in one place.

The cookie page's table is generated from it, and a browser test fails on any cookie in the
jar, on any public page, that it does not list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

# Google Analytics 4 sets "_ga" (the browser) and "_ga_<container id>" (the session).
ANALYTICS_COOKIE = re.compile(r"_ga(_.+)?")


@dataclass(frozen=True)
class SiteCookie:
    """One cookie as the cookie page describes it."""

    name: str
    purpose: str
    lifetime: str
    set_by: str
    # False for cookies strictly necessary for a service the visitor asked for, which need no
    # consent (LEK 2022:482 9 kap. 28 §).
    needs_consent: bool
    # False for cookies that only staff ever get; a visitor's browser never holds them.
    for_visitors: bool = True


def is_analytics_cookie(name: str) -> bool:
    """True for "_ga" and every "_ga_*" cookie."""
    return ANALYTICS_COOKIE.fullmatch(name) is not None


def analytics_cookie_names() -> list[str]:
    """The names GA4 uses for the configured measurement id, e.g. "_ga" and "_ga_ABC123"."""
    measurement_id = current_app.config["GA_MEASUREMENT_ID"]
    if not measurement_id:
        return []
    return ["_ga", "_ga_" + measurement_id.removeprefix("G-")]


def site_cookies() -> list[SiteCookie]:
    """Every cookie the site can set under the current settings, in the visitor's language."""
    config = current_app.config
    cookies = []
    if config["GA_MEASUREMENT_ID"]:
        accepted, declined = config["CONSENT_ACCEPTED_DAYS"], config["CONSENT_DECLINED_DAYS"]
        cookies.append(
            SiteCookie(
                name=config["CONSENT_COOKIE_NAME"],
                purpose=_(
                    "Remembers whether you accepted or declined statistics cookies, so that we "
                    "do not ask on every page. Set only when you make a choice."
                ),
                lifetime=_(
                    "%(accepted)s after you accept, %(declined)s after you decline",
                    accepted=_days(accepted),
                    declined=_days(declined),
                ),
                set_by=_("Joans, this website"),
                needs_consent=False,
            )
        )
        ga_lifetime = _("Until your consent runs out, at most %(days)s", days=_days(accepted))
        browser_cookie, session_cookie = analytics_cookie_names()
        cookies += [
            SiteCookie(
                name=browser_cookie,
                purpose=_(
                    "Google Analytics: a random number that tells your visits apart from other "
                    "visitors', so that we can count visitors."
                ),
                lifetime=ga_lifetime,
                set_by=_("Google Analytics, on this website's domain"),
                needs_consent=True,
            ),
            SiteCookie(
                name=session_cookie,
                purpose=_("Google Analytics: keeps track of the pages you read during a visit."),
                lifetime=ga_lifetime,
                set_by=_("Google Analytics, on this website's domain"),
                needs_consent=True,
            ),
        ]
    cookies.append(
        SiteCookie(
            name=config["SESSION_COOKIE_NAME"],
            purpose=_(
                "Keeps Joans staff logged in to the back office. Visitors to the public "
                "website never get it."
            ),
            lifetime=_("Until staff log out or close the browser"),
            set_by=_("Joans, this website"),
            needs_consent=False,
            for_visitors=False,
        )
    )
    return cookies


def _days(days: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", days)
