"""The dashboard's statistics panel: how many visitors accept statistics cookies, per week."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from joans.backoffice.dashboard import Panel, dashboard_panel
from joans.consent.log import weekly_consent_counts
from joans.consent.settings import analytics_configured

WEEKS = 8


@dashboard_panel
def consent_panel() -> Panel | None:
    """Counts from the consent log only; without Google Analytics there is nothing to count."""
    if not analytics_configured():
        return None
    weeks = list(reversed(weekly_consent_counts(WEEKS)))
    return Panel(_l("Statistics cookies"), "consent/_panel.html", {"weeks": weeks}, order=60)
