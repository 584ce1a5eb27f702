"""Admin: CSV export of companies and contacts, after the password when the login is old."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, url_for
from flask_login import current_user

from joans.models.types import utcnow
from joans.services import crm
from joans.staff.blueprint import admin_only, bp, recent_login_required
from joans.staff.forms import ConfirmForm

KINDS = ("companies", "contacts")


@bp.get("/export")
@admin_only
@recent_login_required
def export():
    """The export page: one button per register."""
    return render_template("staff/export.html", form=ConfirmForm())


@bp.post("/export/<kind>")
@admin_only
@recent_login_required
def export_download(kind: str):
    """Download one register as CSV; the audit log records who exported what and how much."""
    if kind not in KINDS:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.export"))
    body = crm.export_csv(kind, actor_id=current_user.id)
    filename = f"joans-{kind}-{utcnow():%Y-%m-%d}.csv"
    return Response(
        "\ufeff" + body,  # a BOM, so spreadsheet programs read the file as UTF-8 (å, ä, ö)
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
