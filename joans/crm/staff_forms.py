"""Back-office forms of the customer register: companies, contacts, notes, search, customership."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import Email, Length, Optional, ValidationError

from joans.backoffice.forms import StaffForm, max_length, required
from joans.crm import services as crm
from joans.validation import (
    Normalised,
    normalise_phone,
    normalise_postal_code,
    normalise_vat_number,
)


class CompanyForm(StaffForm):
    """A company's details; numbers are stored in their canonical form."""

    name = StringField(
        _l("Company name"), validators=[required(_l("Enter the company name.")), max_length(200)]
    )
    organisation_number = StringField(
        _l("Organisation number"),
        description=_l("For a sole trader, the personal identity number."),
        validators=[Optional(), max_length(20), Normalised(crm.normalise_company_identity)],
    )
    vat_number = StringField(
        _l("VAT number"), validators=[Optional(), max_length(20), Normalised(normalise_vat_number)]
    )
    billing_street = StringField(_l("Street address"), validators=[Optional(), max_length(200)])
    billing_postal_code = StringField(
        _l("Postal code"),
        validators=[Optional(), max_length(10), Normalised(normalise_postal_code)],
    )
    billing_city = StringField(_l("City"), validators=[Optional(), max_length(100)])
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
        _l("First name"), validators=[required(_l("Enter the first name.")), max_length(100)]
    )
    last_name = StringField(
        _l("Last name"), validators=[required(_l("Enter the last name.")), max_length(100)]
    )
    phone = StringField(
        _l("Phone"), validators=[Optional(), max_length(30), Normalised(normalise_phone)]
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[
            Optional(),
            Email(
                message=_l("Enter an e-mail address like name@example.se."),
                check_deliverability=False,
            ),
            max_length(254),
        ],
        filters=[lambda value: value.lower() if isinstance(value, str) else value],
    )
    company = StringField(
        _l("Company"),
        description=_l(
            "The company's organisation number or its exact name. Leave empty for none."
        ),
        validators=[Optional(), max_length(200)],
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
        _l("New note"), validators=[required(_l("Write the note first.")), max_length(10000)]
    )
    submit = SubmitField(_l("Add note"))


class SearchForm(StaffForm):
    """The search box: sent by POST so names and numbers never appear in a URL."""

    q = StringField(
        _l("Search"),
        validators=[
            required(_l("Type a name, number or e-mail address.")),
            Length(min=2, message=_l("Type at least two characters.")),
            max_length(200),
        ],
    )
    submit = SubmitField(_l("Search"))


class EndCustomershipForm(StaffForm):
    """The last day a company is a customer."""

    customer_until = DateField(
        _l("Customer until"), validators=[required(_l("Enter the last day as a customer."))]
    )
    submit = SubmitField(_l("End customership"))
