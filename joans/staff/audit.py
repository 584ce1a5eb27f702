"""Admin: the audit log viewer, filtered by staff member, record, action and date."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from joans import audit
from joans.backoffice import admin_only, bp
from joans.backoffice.listing import list_params
from joans.staff import users
from joans.staff.forms import AuditFilterForm


@bp.get("/audit")
@admin_only
def audit_log():
    """Who did what to which record, and when; never the values themselves."""
    form = AuditFilterForm(request.args)
    form.actor.choices = [SelectChoice(0, _l("Everyone"))] + [
        SelectChoice(user.id, f"{user.name} ({user.email})") for user in users.list_staff()
    ]
    form.action.choices = [SelectChoice("", _l("All actions"))] + [
        SelectChoice(action) for action in audit.recorded_actions()
    ]
    filters = audit.AuditFilter()
    if form.validate():
        filters = audit.AuditFilter(
            actor_id=form.actor.data or None,
            action=form.action.data or None,
            subject_type=form.subject_type.data or None,
            subject_id=_int_or_none(form.subject_id.data),
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    params = list_params({"time": None}, "time")
    page = audit.list_events(
        filters,
        page=params.page,
        per_page=params.per_page,
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    return render_template("staff/audit.html", form=form, page=page, filters=filters)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
