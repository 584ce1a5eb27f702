"""Logging in (password, then the second factor), logging out, password links, re-authentication."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from joans.areas import external_url
from joans.backoffice import bp, public_view
from joans.extensions import db
from joans.models.staff import StaffUser
from joans.models.types import utcnow
from joans.staff import authentication, throttle, users
from joans.staff import session as staff_session
from joans.staff.forms import (
    ForgotPasswordForm,
    LoginForm,
    ReauthenticateForm,
    SecondFactorForm,
    SetPasswordForm,
)
from joans.staff.guard import safe_next

# How long the password step stays valid while the second factor is asked for.
PENDING_LOGIN = timedelta(minutes=5)


@bp.route("/login", methods=["GET", "POST"])
@public_view
@throttle.login_limits(throttle.login_account_key)
def login():
    """First step: e-mail address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authentication.check_password(form.email.data, form.password.data)
        if user is not None:
            next_path = safe_next(request.args.get("next"))
            if user.totp_enabled:
                # A fresh session that proves only the password step, for a few minutes.
                session.clear()
                session.update(
                    pending_user_id=user.id,
                    pending_until=(utcnow() + PENDING_LOGIN).timestamp(),
                    pending_next=next_path,
                )
                return redirect(url_for("staff.login_second_factor"))
            staff_session.begin(user)
            return redirect(next_path)
        form.password.errors.append(_("The e-mail address or the password is wrong."))
    if form.is_submitted():
        throttle.mark_failure()
    return render_template("staff/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public_view
@throttle.login_limits(throttle.pending_account_key)
def login_second_factor():
    """Second step: a code from the authenticator app or a recovery code."""
    user = _pending_user()
    if user is None:
        session.clear()
        flash(_("Log in again: the first step is more than five minutes old."), "info")
        return redirect(url_for("staff.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if authentication.check_second_factor(user, form.code.data):
            next_path = session.get("pending_next") or url_for("staff.dashboard")
            staff_session.begin(user)
            if not user.recovery_codes:
                flash(_("You have no recovery codes left. Create new ones now."), "warning")
                return redirect(url_for("staff.two_factor_setup"))
            return redirect(safe_next(next_path))
        form.code.errors.append(_("The code is wrong or has been used already."))
    if form.is_submitted():
        throttle.mark_failure()
    return render_template("staff/second_factor.html", form=form)


def _pending_user() -> StaffUser | None:
    user_id, until = session.get("pending_user_id"), session.get("pending_until")
    if user_id is None or until is None or utcnow().timestamp() > until:
        return None
    user = db.session.get(StaffUser, user_id)
    return user if user is not None and user.active and user.totp_enabled else None


@bp.post("/logout")
def logout():
    """End the session on the server and in the browser."""
    staff_session.end()
    flash(_("You have logged out."), "info")
    return redirect(url_for("staff.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public_view
@throttle.password_link_limits
def forgot_password():
    """Ask for a password link; the answer is the same whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        users.request_password_reset(form.email.data, link_for=_reset_link)
        flash(
            _(
                "If the address belongs to an account, a link to choose a new password is on "
                "its way. It works for one hour."
            ),
            "info",
        )
        return redirect(url_for("staff.login"))
    return render_template("staff/forgot_password.html", form=form)


def _reset_link(token: str) -> str:
    return external_url("staff.set_password", purpose="reset", token=token)


def invitation_link(token: str) -> str:
    """The absolute URL an invited colleague opens to choose a password."""
    return external_url("staff.set_password", purpose="invitation", token=token)


PURPOSES = {"reset": users.PASSWORD_RESET, "invitation": users.INVITATION}


@bp.route("/password/<any(reset, invitation):purpose>/<token>", methods=["GET", "POST"])
@public_view
def set_password(purpose: str, token: str):
    """Choose a password through a signed link from an invitation or a reset e-mail."""
    user = users.user_for_password_token(token, PURPOSES[purpose])
    if user is None:
        return render_template("staff/link_expired.html"), 400
    g.staff_language = user.language
    form = SetPasswordForm()
    if form.validate_on_submit():
        users.set_password(user, form.password.data)
        session.clear()
        flash(_("Your password is saved. Log in with it now."), "info")
        return redirect(url_for("staff.login"))
    return render_template("staff/set_password.html", form=form, user=user, purpose=purpose)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@throttle.login_limits(throttle.current_account_key)
def reauthenticate():
    """Ask for the password again before an export or an erasure."""
    form = ReauthenticateForm()
    if form.validate_on_submit():
        if authentication.reauthenticate(staff_session.current(), form.password.data):
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append(_("The password is wrong."))
    if form.is_submitted():
        throttle.mark_failure()
    return render_template("staff/reauthenticate.html", form=form)
