"""The record of processing activities (GDPR art. 30), generated from the code."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import current_app, render_template

from joans.privacy.records import processing_activities
from joans.staff.blueprint import bp


@bp.get("/privacy")
def privacy_record():
    """Every purpose with its data, tables, legal bases, retention and recipients."""
    config = current_app.config
    session_limits = SimpleNamespace(
        idle=timedelta(seconds=config["STAFF_IDLE_TIMEOUT"]),
        absolute=timedelta(seconds=config["STAFF_ABSOLUTE_TIMEOUT"]),
    )
    return render_template(
        "staff/privacy_record.html",
        activities=processing_activities(),
        session_limits=session_limits,
    )
