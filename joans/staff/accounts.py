"""Admin: staff accounts. Invite, change role, deactivate and reactivate, reset two-factor."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from joans.backoffice import admin_only, bp
from joans.backoffice.forms import ConfirmForm
from joans.extensions import db
from joans.models.staff import StaffUser
from joans.staff import users
from joans.staff.auth import invitation_link
from joans.staff.forms import InviteForm, RoleForm


@bp.get("/accounts")
@admin_only
def accounts():
    """Every staff account, with the invitation form."""
    return render_template("staff/accounts.html", users=users.list_staff(), form=InviteForm())


@bp.post("/accounts/invite")
@admin_only
def account_invite():
    """Create an account and e-mail its owner a link to choose a password."""
    form = InviteForm()
    if form.validate_on_submit():
        if users.find_by_email(form.email.data):
            form.email.errors.append(_("An account with this e-mail address exists already."))
        else:
            users.invite_staff_user(
                form.email.data,
                name=form.name.data,
                role=form.role.data,
                language=form.language.data,
                actor_id=current_user.id,
                link_for=invitation_link,
            )
            flash(_("The invitation is sent."), "success")
            return redirect(url_for("staff.accounts"))
    return render_template("staff/accounts.html", users=users.list_staff(), form=form)


def _account_or_404(user_id: int) -> StaffUser:
    return db.session.get(StaffUser, user_id) or abort(404)


@bp.get("/accounts/<int:user_id>")
@admin_only
def account_detail(user_id: int):
    """One account: role, status, two-factor."""
    user = users.view_account(user_id, actor_id=current_user.id) or abort(404)
    return render_template(
        "staff/account_detail.html",
        user=user,
        role_form=RoleForm(role=user.role),
        form=ConfirmForm(),
    )


def _refuse_self(user: StaffUser) -> bool:
    # An admin who demoted or deactivated themselves could leave nobody able to manage accounts.
    if user.id == current_user.id:
        flash(_("You cannot change your own role or status."), "error")
        return True
    return False


@bp.post("/accounts/<int:user_id>/role")
@admin_only
def account_role(user_id: int):
    """Make an account staff or admin."""
    user = _account_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit() and not _refuse_self(user):
        users.change_role(user, form.role.data, actor_id=current_user.id)
        flash(_("The role is changed."), "success")
    return redirect(url_for("staff.account_detail", user_id=user.id))


@bp.post("/accounts/<int:user_id>/deactivate")
@admin_only
def account_deactivate(user_id: int):
    """Stop an account from logging in; its sessions end at once."""
    user = _account_or_404(user_id)
    if ConfirmForm().validate_on_submit() and not _refuse_self(user):
        users.deactivate(user, actor_id=current_user.id)
        flash(_("The account is deactivated."), "success")
    return redirect(url_for("staff.account_detail", user_id=user.id))


@bp.post("/accounts/<int:user_id>/reactivate")
@admin_only
def account_reactivate(user_id: int):
    """Let a deactivated account log in again."""
    user = _account_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        users.reactivate(user, actor_id=current_user.id)
        flash(_("The account is active again."), "success")
    return redirect(url_for("staff.account_detail", user_id=user.id))


@bp.post("/accounts/<int:user_id>/reset-two-factor")
@admin_only
def account_reset_two_factor(user_id: int):
    """Remove a lost authenticator; its owner sets up a new one at the next login."""
    user = _account_or_404(user_id)
    if ConfirmForm().validate_on_submit() and not _refuse_self(user):
        users.reset_two_factor(user, actor_id=current_user.id)
        flash(_("Two-factor authentication is reset."), "success")
    return redirect(url_for("staff.account_detail", user_id=user.id))
