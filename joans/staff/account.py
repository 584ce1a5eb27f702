"""The staff member's own account: name and language, password, two-factor authentication."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from joans.backoffice import bp, recent_login_required
from joans.backoffice.forms import ConfirmForm
from joans.staff import passwords, two_factor, users
from joans.staff import session as staff_session
from joans.staff.forms import ChangePasswordForm, PreferencesForm, TwoFactorSetupForm

PENDING_SECRET = "totp_pending_secret"  # noqa: S105 - a session key name


@bp.route("/account", methods=["GET", "POST"])
def account():
    """Name and language."""
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit():
        users.update_preferences(current_user, name=form.name.data, language=form.language.data)
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("staff.account"))
    return render_template("staff/account.html", form=form, password_form=ChangePasswordForm())


@bp.post("/account/password")
def change_password():
    """A new password; every other session of the account ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if passwords.verify_password(current_user.password_hash, form.current_password.data):
            user = current_user._get_current_object()
            users.set_password(user, form.password.data)
            # set_password ended every session, this one included: start a fresh one.
            staff_session.begin(user)
            flash(_("Your new password is saved."), "success")
            return redirect(url_for("staff.account"))
        form.current_password.errors.append(_("The password is wrong."))
    return render_template(
        "staff/account.html", form=PreferencesForm(obj=current_user), password_form=form
    )


@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor_setup():
    """Enrol an authenticator app with a QR code drawn on this server, then confirm one code."""
    user = current_user._get_current_object()
    if user.totp_enabled:
        return render_template(
            "staff/two_factor.html", codes_left=len(user.recovery_codes), form=ConfirmForm()
        )
    secret = session.get(PENDING_SECRET) or two_factor.new_secret()
    session[PENDING_SECRET] = secret
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        codes = users.enable_two_factor(user, secret, form.code.data)
        if codes is not None:
            session.pop(PENDING_SECRET)
            return render_template("staff/recovery_codes.html", codes=codes)
        form.code.errors.append(
            _("The code does not match. Check the time on your phone and try again.")
        )
    qr_code = two_factor.qr_code_data_uri(secret, user.email, current_app.config["COMPANY_NAME"])
    return render_template(
        "staff/two_factor_setup.html", form=form, qr_code=qr_code, secret=_grouped(secret)
    )


@bp.post("/account/recovery-codes")
@recent_login_required
def renew_recovery_codes():
    """Replace the recovery codes and show the new ones once."""
    if not ConfirmForm().validate_on_submit() or not current_user.totp_enabled:
        return redirect(url_for("staff.two_factor_setup"))
    codes = users.new_recovery_codes(current_user._get_current_object())
    return render_template("staff/recovery_codes.html", codes=codes)


def _grouped(secret: str) -> str:
    # Groups of four are easier to type into an app by hand.
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))
