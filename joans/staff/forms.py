"""Back-office forms of the shell: logging in, passwords, two-factor, accounts, the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from joans.backoffice.forms import StaffForm, language_choices, required
from joans.models.staff import ROLES
from joans.staff import passwords


class PasswordPolicy:
    """12 to 128 characters, any characters, no other rules (ASVS 2.1)."""

    def __call__(self, form, field) -> None:
        try:
            passwords.check_password_policy(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error.args[0])) from None


_email = [
    required(_l("Enter your e-mail address.")),
    Email(message=_l("Enter an e-mail address like name@example.se."), check_deliverability=False),
    Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
]


class LoginForm(StaffForm):
    """E-mail address and password."""

    email = EmailField(_l("E-mail address"), validators=_email)
    # The length cap keeps argon2 from hashing megabytes; it is not a password rule.
    password = PasswordField(
        _l("Password"),
        validators=[required(_l("Enter your password.")), Length(max=1024)],
    )
    submit = SubmitField(_l("Log in"))


class SecondFactorForm(StaffForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[required(_l("Enter the code.")), Length(max=32)],
    )
    submit = SubmitField(_l("Continue"))


class ForgotPasswordForm(StaffForm):
    """The address to send a password link to."""

    email = EmailField(_l("E-mail address"), validators=_email)
    submit = SubmitField(_l("Send link"))


class SetPasswordForm(StaffForm):
    """A new password, typed twice."""

    password = PasswordField(
        _l("New password"), validators=[required(_l("Choose a password.")), PasswordPolicy()]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
    )
    submit = SubmitField(_l("Save password"))


class ChangePasswordForm(SetPasswordForm):
    """The current password, then a new one typed twice."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[required(_l("Enter your current password.")), Length(max=1024)],
    )


class ReauthenticateForm(StaffForm):
    """The password again, before a sensitive action."""

    password = PasswordField(
        _l("Password"),
        validators=[required(_l("Enter your password.")), Length(max=1024)],
    )
    submit = SubmitField(_l("Confirm"))


class TwoFactorSetupForm(StaffForm):
    """The first code from the app, proving it has the secret."""

    code = StringField(
        _l("Code from the app"),
        validators=[required(_l("Enter the six-digit code from the app.")), Length(max=32)],
    )
    submit = SubmitField(_l("Turn on two-factor authentication"))


class PreferencesForm(StaffForm):
    """How the staff member is named and which language the back office speaks to them."""

    name = StringField(
        _l("Name"),
        validators=[
            required(_l("Enter your name.")),
            Length(max=100, message=_l("At most 100 characters.")),
        ],
    )
    language = SelectField(_l("Language"), choices=language_choices())
    submit = SubmitField(_l("Save"))


def _role_choices():
    return [SelectChoice("staff", _l("Staff")), SelectChoice("admin", _l("Admin"))]


class InviteForm(StaffForm):
    """A colleague to invite by e-mail."""

    name = StringField(
        _l("Name"),
        validators=[
            required(_l("Enter the name.")),
            Length(max=100, message=_l("At most 100 characters.")),
        ],
    )
    email = EmailField(_l("E-mail address"), validators=_email)
    role = SelectField(_l("Role"), choices=_role_choices(), validators=[DataRequired()])
    language = SelectField(_l("Language"), choices=language_choices())
    submit = SubmitField(_l("Send invitation"))


class RoleForm(StaffForm):
    """Change a colleague's role."""

    role = SelectField(_l("Role"), choices=_role_choices())
    submit = SubmitField(_l("Change role"))

    def validate_role(self, field) -> None:
        if field.data not in ROLES:
            raise ValidationError(_l("Choose a role."))


class AuditFilterForm(FlaskForm):
    """Filters for the audit log: only ids, action names and dates, so GET is fine."""

    class Meta:
        csrf = False

    actor = SelectField(_l("Staff member"), coerce=int, validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    subject_type = HiddenField()
    subject_id = HiddenField()
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
