"""The dashboard: what needs doing today, in panels each feature contributes.

A feature adds a panel with ``@dashboard_panel``: a function that returns ``Panel`` (or None when
it has nothing to show), rendered with its own partial template. No panel means no box on the
page, so nothing half-built is ever shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import render_template
from flask_babel import lazy_gettext as _l

from joans.services import crm
from joans.staff.blueprint import bp
from joans.staff.forms import SearchForm


@dataclass
class Panel:
    """A box on the dashboard: a title, the partial that draws it and what it needs."""

    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


PANELS: list[Callable[[], Panel | None]] = []


def dashboard_panel(provider: Callable[[], Panel | None]) -> Callable[[], Panel | None]:
    """Register a function that supplies one dashboard panel."""
    PANELS.append(provider)
    return provider


@dashboard_panel
def crm_panel() -> Panel:
    """How many companies, customers and contacts the CRM holds."""
    return Panel(
        _l("Customer register"), "staff/panels/crm.html", {"counts": crm.counts()}, order=50
    )


@bp.get("/")
def dashboard():
    """The start page after login."""
    panels = sorted(
        (panel for panel in (provider() for provider in PANELS) if panel is not None),
        key=lambda panel: panel.order,
    )
    return render_template("staff/dashboard.html", panels=panels, search_form=SearchForm())
