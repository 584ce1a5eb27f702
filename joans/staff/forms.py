"""Back-office forms. Each carries a Flask-WTF CSRF token bound to the staff session."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from joans.i18n import LANGUAGES
from joans.models.staff import ROLES
from joans.models.types import utcnow
from joans.services import crm, passwords
from joans.validation import (
    Normalised,
    normalise_phone,
    normalise_postal_code,
    normalise_vat_number,
)

# Control characters never belong in what people type (PostgreSQL refuses NUL outright).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_line(value):
    return _CONTROL.sub("", " ".join(value.split())) if isinstance(value, str) else value


def _clean_text(value):
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


class StaffForm(FlaskForm):
    """A form whose text fields are cleaned of control characters and surrounding spaces."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(
                field_class, PasswordField | HiddenField
            ):
                clean = _clean_text if issubclass(field_class, TextAreaField) else _clean_line
                options["filters"] = [clean, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, **options)


def _language_choices():
    return [SelectChoice(code, name) for code, name in LANGUAGES.items()]


def _required(message):
    return DataRequired(message=message)


class PasswordPolicy:
    """12 to 128 characters, any characters, no other rules (ASVS 2.1)."""

    def __call__(self, form, field) -> None:
        try:
            passwords.check_password_policy(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error.args[0])) from None


_email = [
    _required(_l("Enter your e-mail address.")),
    Email(message=_l("Enter an e-mail address like name@example.se."), check_deliverability=False),
    Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
]


class LoginForm(StaffForm):
    """E-mail address and password."""

    email = EmailField(_l("E-mail address"), validators=_email)
    # The length cap keeps argon2 from hashing megabytes; it is not a password rule.
    password = PasswordField(
        _l("Password"),
        validators=[_required(_l("Enter your password.")), Length(max=1024)],
    )
    submit = SubmitField(_l("Log in"))


class SecondFactorForm(StaffForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[_required(_l("Enter the code.")), Length(max=32)],
    )
    submit = SubmitField(_l("Continue"))


class ForgotPasswordForm(StaffForm):
    """The address to send a password link to."""

    email = EmailField(_l("E-mail address"), validators=_email)
    submit = SubmitField(_l("Send link"))


class SetPasswordForm(StaffForm):
    """A new password, typed twice."""

    password = PasswordField(
        _l("New password"), validators=[_required(_l("Choose a password.")), PasswordPolicy()]
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
        validators=[_required(_l("Enter your current password.")), Length(max=1024)],
    )


class ReauthenticateForm(StaffForm):
    """The password again, before a sensitive action."""

    password = PasswordField(
        _l("Password"),
        validators=[_required(_l("Enter your password.")), Length(max=1024)],
    )
    submit = SubmitField(_l("Confirm"))


class TwoFactorSetupForm(StaffForm):
    """The first code from the app, proving it has the secret."""

    code = StringField(
        _l("Code from the app"),
        validators=[_required(_l("Enter the six-digit code from the app.")), Length(max=32)],
    )
    submit = SubmitField(_l("Turn on two-factor authentication"))


class PreferencesForm(StaffForm):
    """How the staff member is named and which language the back office speaks to them."""

    name = StringField(
        _l("Name"),
        validators=[
            _required(_l("Enter your name.")),
            Length(max=100, message=_l("At most 100 characters.")),
        ],
    )
    language = SelectField(_l("Language"), choices=_language_choices())
    submit = SubmitField(_l("Save"))


def _role_choices():
    return [SelectChoice("staff", _l("Staff")), SelectChoice("admin", _l("Admin"))]


class InviteForm(StaffForm):
    """A colleague to invite by e-mail."""

    name = StringField(
        _l("Name"),
        validators=[
            _required(_l("Enter the name.")),
            Length(max=100, message=_l("At most 100 characters.")),
        ],
    )
    email = EmailField(_l("E-mail address"), validators=_email)
    role = SelectField(_l("Role"), choices=_role_choices(), validators=[DataRequired()])
    language = SelectField(_l("Language"), choices=_language_choices())
    submit = SubmitField(_l("Send invitation"))


class RoleForm(StaffForm):
    """Change a colleague's role."""

    role = SelectField(_l("Role"), choices=_role_choices())
    submit = SubmitField(_l("Change role"))

    def validate_role(self, field) -> None:
        if field.data not in ROLES:
            raise ValidationError(_l("Choose a role."))


class ConfirmForm(StaffForm):
    """A button that changes something: only the CSRF token is needed."""


def _max(length):
    return Length(max=length, message=_l("At most %(max)d characters.", max=length))


class CompanyForm(StaffForm):
    """A company's details; numbers are stored in their canonical form."""

    name = StringField(
        _l("Company name"), validators=[_required(_l("Enter the company name.")), _max(200)]
    )
    organisation_number = StringField(
        _l("Organisation number"),
        description=_l("For a sole trader, the personal identity number."),
        validators=[Optional(), _max(20), Normalised(crm.normalise_company_identity)],
    )
    vat_number = StringField(
        _l("VAT number"), validators=[Optional(), _max(20), Normalised(normalise_vat_number)]
    )
    billing_street = StringField(_l("Street address"), validators=[Optional(), _max(200)])
    billing_postal_code = StringField(
        _l("Postal code"), validators=[Optional(), _max(10), Normalised(normalise_postal_code)]
    )
    billing_city = StringField(_l("City"), validators=[Optional(), _max(100)])
    customer_since = DateField(
        _l("Customer since"),
        validators=[Optional()],
        render_kw={"placeholder": "YYYY-MM-DD"},
    )
    customer_until = DateField(_l("Customer until"), validators=[Optional()])
    confirm_duplicate = BooleanField(_l("Save anyway: this is not the same company"))
    submit = SubmitField(_l("Save"))

    def validate_customer_until(self, field) -> None:
        since = self.customer_since.data
        if field.data and since and field.data < since:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def values(self) -> dict:
        """The cleaned values for the CRM service; empty fields become None."""
        return {name: getattr(self, name).data or None for name in crm.COMPANY_FIELDS}


class ContactForm(StaffForm):
    """A contact's details; the company is named by organisation number or exact name."""

    first_name = StringField(
        _l("First name"), validators=[_required(_l("Enter the first name.")), _max(100)]
    )
    last_name = StringField(
        _l("Last name"), validators=[_required(_l("Enter the last name.")), _max(100)]
    )
    phone = StringField(_l("Phone"), validators=[Optional(), _max(30), Normalised(normalise_phone)])
    email = EmailField(
        _l("E-mail address"),
        validators=[
            Optional(),
            Email(
                message=_l("Enter an e-mail address like name@example.se."),
                check_deliverability=False,
            ),
            _max(254),
        ],
        filters=[lambda value: value.lower() if isinstance(value, str) else value],
    )
    company = StringField(
        _l("Company"),
        description=_l(
            "The company's organisation number or its exact name. Leave empty for none."
        ),
        validators=[Optional(), _max(200)],
    )
    confirm_duplicate = BooleanField(_l("Save anyway: this is not the same person"))
    submit = SubmitField(_l("Save"))

    company_id: int | None = None

    def validate_company(self, field) -> None:
        matches = crm.companies_named(field.data)
        if not matches:
            raise ValidationError(_l("No company has this organisation number or name."))
        if len(matches) > 1:
            raise ValidationError(
                _l("Several companies match. Type the organisation number instead.")
            )
        self.company_id = matches[0].id

    def values(self) -> dict:
        """The cleaned values for the CRM service; empty fields become None."""
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "phone": self.phone.data or None,
            "email": self.email.data or None,
            "company_id": self.company_id if self.company.data else None,
        }


class NoteForm(StaffForm):
    """A note to append to a record."""

    body = TextAreaField(
        _l("New note"), validators=[_required(_l("Write the note first.")), _max(10000)]
    )
    submit = SubmitField(_l("Add note"))


class SearchForm(StaffForm):
    """The search box: sent by POST so names and numbers never appear in a URL."""

    q = StringField(
        _l("Search"),
        validators=[
            _required(_l("Type a name, number or e-mail address.")),
            Length(min=2, message=_l("Type at least two characters.")),
            _max(200),
        ],
    )
    submit = SubmitField(_l("Search"))


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


KIND_LABELS = {
    "access": _l("See their data (access)"),
    "erasure": _l("Delete their data (erasure)"),
    "rectification": _l("Correct their data (rectification)"),
    "objection": _l("Stop a use of their data (objection)"),
}
IDENTITY_CHECK_LABELS = {
    "email_on_file": _l("The request came from the e-mail address we hold"),
    "phone_on_file": _l("We called the phone number we hold"),
    "id_document": _l("A valid ID document was shown"),
    "in_person": _l("Known contact, met in person"),
}


class DataRequestForm(StaffForm):
    """A request from a person about their data, as received."""

    kind = SelectField(
        _l("The request"),
        choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()],
    )
    received_on = DateField(
        _l("Received on"),
        description=_l("The answer is due one month later."),
        validators=[_required(_l("Enter the date the request came in."))],
    )
    requester_name = StringField(
        _l("Name of the person asking"),
        validators=[_required(_l("Enter the name of the person asking.")), _max(200)],
    )
    requester_email = EmailField(
        _l("Their e-mail address"),
        validators=[
            Optional(),
            Email(
                message=_l("Enter an e-mail address like name@example.se."),
                check_deliverability=False,
            ),
            _max(254),
        ],
        filters=[lambda value: value.lower() if isinstance(value, str) else value],
    )
    language = SelectField(_l("Answer in"), choices=_language_choices())
    company_id = HiddenField()
    contact_id = HiddenField()
    submit = SubmitField(_l("Register the request"))

    def validate_received_on(self, field) -> None:
        """A request cannot arrive in the future."""
        if field.data and field.data > utcnow().date():
            raise ValidationError(_l("The date cannot be in the future."))


class IdentityCheckForm(StaffForm):
    """How the requester's identity was confirmed."""

    method = SelectField(
        _l("How did you confirm who is asking?"),
        choices=[SelectChoice(value, label) for value, label in IDENTITY_CHECK_LABELS.items()],
    )
    submit = SubmitField(_l("Record the check"))


class CloseRequestForm(StaffForm):
    """What was done and answered."""

    note = TextAreaField(
        _l("What was done and answered"),
        validators=[_required(_l("Write what was done and answered.")), _max(5000)],
    )
    submit = SubmitField(_l("Close the request"))


# Markdown bodies are long, but a newsletter is not a book.
NEWSLETTER_BODY_MAX = 50_000


class NewsletterForm(StaffForm):
    """A newsletter's subject and Markdown text in Swedish, and optionally in English."""

    subject_sv = StringField(
        _l("Subject in Swedish"),
        validators=[_required(_l("Write a subject.")), _max(200)],
    )
    body_sv = TextAreaField(
        _l("Text in Swedish"),
        description=_l(
            "Markdown: a blank line between paragraphs, **bold**, *italics*, "
            "[link text](https://joans.se/...), # before a heading, - before list items."
        ),
        validators=[_required(_l("Write the newsletter's text.")), _max(NEWSLETTER_BODY_MAX)],
    )
    subject_en = StringField(
        _l("Subject in English (optional)"), validators=[Optional(), _max(200)]
    )
    body_en = TextAreaField(
        _l("Text in English (optional)"),
        description=_l("Customers who ordered in English get this version; without it, Swedish."),
        validators=[Optional(), _max(NEWSLETTER_BODY_MAX)],
    )
    submit = SubmitField(_l("Save draft"))

    def validate(self, extra_validators=None) -> bool:
        """Both English fields or neither: half a translation cannot be sent."""
        valid = super().validate(extra_validators)
        if bool(self.subject_en.data) != bool(self.body_en.data):
            missing = self.body_en if self.subject_en.data else self.subject_en
            missing.errors = [
                *missing.errors,
                _l("Write both the English subject and the English text, or neither."),
            ]
            valid = False
        return valid

    def values(self) -> dict:
        """The cleaned values for the campaign service; empty English fields become None."""
        return {
            "subject_sv": self.subject_sv.data,
            "body_sv": self.body_sv.data,
            "subject_en": self.subject_en.data or None,
            "body_en": self.body_en.data or None,
        }


class SendNewsletterForm(StaffForm):
    """The last step before a newsletter goes to every subscriber."""

    confirm = BooleanField(
        _l("I have read the preview and the test e-mail, and want to send it to everyone"),
        validators=[_required(_l("Tick the box to confirm that the newsletter is ready."))],
    )
    submit = SubmitField(_l("Send to all subscribers"))
