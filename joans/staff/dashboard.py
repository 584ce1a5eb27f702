"""The dashboard: the start page after login, with the panels the features contribute."""

from __future__ import annotations

from flask import render_template

from joans.backoffice import bp
from joans.backoffice import dashboard as registry
from joans.crm.staff_forms import SearchForm


@bp.get("/")
def dashboard():
    """The start page after login."""
    panels = sorted(
        (panel for panel in (provider() for provider in registry.PANELS) if panel is not None),
        key=lambda panel: panel.order,
    )
    return render_template("staff/dashboard.html", panels=panels, search_form=SearchForm())
