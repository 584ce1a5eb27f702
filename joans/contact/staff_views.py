"""The call-back inbox: open requests oldest first; "Called, delete" removes one for good."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from joans.backoffice import bp
from joans.backoffice.dashboard import Panel, dashboard_panel
from joans.backoffice.forms import ConfirmForm
from joans.contact.services import (
    list_open_callback_requests,
    mark_callback_handled,
    view_open_callback_requests,
)
from joans.models.callbacks import SERVICE_LABELS


@bp.get("/callbacks")
def callbacks():
    """Every open request with its age and the date it will be deleted unhandled."""
    requests = view_open_callback_requests(actor_id=current_user.id)
    return render_template(
        "contact/callbacks.html",
        requests=requests,
        services=SERVICE_LABELS,
        form=ConfirmForm(),
    )


@bp.post("/callbacks/<int:request_id>/handled")
def callback_handled(request_id: int):
    """Delete a request once someone has called; say so if a colleague was quicker."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if mark_callback_handled(request_id, actor_id=current_user.id):
        flash(_("Done. The request and the number are deleted."), "success")
    else:
        flash(_("That request was already handled by a colleague."), "info")
    return redirect(url_for("staff.callbacks"))


@dashboard_panel
def callbacks_panel() -> Panel:
    """How many people wait for a call, and for how long the oldest has waited."""
    requests = list_open_callback_requests()
    oldest = requests[0].age if requests else None
    return Panel(
        _l("Call-back requests"),
        "contact/_panel.html",
        {"count": len(requests), "oldest": oldest},
        order=10,
    )
