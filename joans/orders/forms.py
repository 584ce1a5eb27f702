"""The order form's steps: products and domains, the buyer, the review.

No session and no CSRF token on the public site (DESIGN.md, "Cookies and cross-site
protection"): the cross-site check in :mod:`joans.security` guards the posts, and what earlier
steps collected travels in a signed hidden field (:mod:`joans.orders.state`).
"""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from joans.crm.services import normalise_company_identity
from joans.models.catalogue import Product
from joans.orders.services import MAX_QUANTITY
from joans.validation import (
    Normalised,
    TypedTextField,
    normalise_domain_name,
    normalise_phone,
    normalise_postal_code,
    normalise_vat_number,
)

# Control, format, surrogate and private-use characters hide or disguise text; the joiners some
# scripts need in names are allowed.
ALLOWED_FORMAT_CHARACTERS = {"\u200c", "\u200d"}
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def one_line(form, field) -> None:
    """Refuse line breaks and invisible characters in a text field."""
    for character in field.data or "":
        category = unicodedata.category(character)
        if category in FORBIDDEN_CATEGORIES and character not in ALLOWED_FORMAT_CHARACTERS:
            raise ValidationError(_l("Write this on one line, without special characters."))


def _required(message):
    return DataRequired(message=message)


def _max(length: int):
    return Length(max=length, message=_l("At most %(max)d characters.", max=length))


class PublicForm(FlaskForm):
    """A public form: no CSRF token (no session), text trimmed."""

    class Meta:
        csrf = False  # see DESIGN.md "Cookies and cross-site protection"


def products_form(products: list[Product], tlds: frozenset[str], domain_slots: int):
    """A form with a quantity for each product and ``domain_slots`` domain name fields."""

    def domain_name(text: str) -> str:
        return normalise_domain_name(text, tlds)

    class ProductsForm(PublicForm):
        domains = FieldList(
            TypedTextField(
                _l("Domain name"),
                filters=[_strip],
                validators=[Optional(), _max(253), Normalised(domain_name)],
            ),
            min_entries=domain_slots,
            max_entries=domain_slots,
        )

        def validate_domains(self, field) -> None:
            """The same name twice is a typing mistake: say so next to the second."""
            seen = set()
            duplicate = False
            for entry in field.entries:
                if entry.data and not entry.errors:
                    if entry.data in seen:
                        entry.errors.append(_l("You have already chosen this domain name."))
                        duplicate = True
                    seen.add(entry.data)
            if duplicate:
                raise ValidationError(_l("You have already chosen this domain name."))

        def quantities(self) -> tuple[tuple[int, int], ...]:
            """``(product id, quantity)`` for each product with a quantity above zero."""
            return tuple(
                (product.id, quantity)
                for product in products
                if (quantity := self[f"quantity_{product.id}"].data or 0)
            )

        def domain_names(self) -> tuple[str, ...]:
            """The domain names typed, normalised."""
            return tuple(entry.data for entry in self.domains.entries if entry.data)

        @property
        def has_errors(self) -> bool:
            """Any field, or any domain entry, refused."""
            return bool(self.errors) or any(entry.errors for entry in self.domains.entries)

    for product in products:
        setattr(
            ProductsForm,
            f"quantity_{product.id}",
            QuantityField(_l("Quantity"), default=0),
        )
    return ProductsForm


class QuantityField(TypedTextField):
    """How many of a product: a whole number from 0 to 99; empty means none."""

    def process_formdata(self, valuelist) -> None:
        """Keep the text; the number is checked in ``pre_validate``."""
        self.raw_data = valuelist
        self.data = valuelist[0].strip() if valuelist else ""

    def pre_validate(self, form) -> None:
        """Turn the text into a number or refuse it."""
        text = self.data if isinstance(self.data, str) else str(self.data or "")
        if text == "":
            self.data = 0
            return
        if not re.fullmatch(r"\d{1,2}", text):
            self.data = 0
            raise ValidationError(_l("Type a number from 0 to %(max)d.", max=MAX_QUANTITY))
        self.data = int(text)


class BuyerForm(PublicForm):
    """Who orders: the company, the person, the billing address, and the newsletter choice."""

    company_name = TypedTextField(
        _l("Company name"),
        filters=[_strip],
        validators=[_required(_l("Enter the company's name.")), _max(200), one_line],
    )
    organisation_number = TypedTextField(
        _l("Organisation number"),
        filters=[_strip],
        validators=[
            _required(
                _l("Enter the organisation number, or a sole trader's personal identity number.")
            ),
            _max(20),
            Normalised(normalise_company_identity),
        ],
    )
    vat_number = TypedTextField(
        _l("VAT number (optional)"),
        filters=[_strip],
        validators=[Optional(), _max(20), Normalised(normalise_vat_number)],
    )
    first_name = TypedTextField(
        _l("First name"),
        filters=[_strip],
        validators=[_required(_l("Enter your first name.")), _max(100), one_line],
    )
    last_name = TypedTextField(
        _l("Last name"),
        filters=[_strip],
        validators=[_required(_l("Enter your last name.")), _max(100), one_line],
    )
    street = TypedTextField(
        _l("Street address"),
        filters=[_strip],
        validators=[_required(_l("Enter the billing street address.")), _max(200), one_line],
    )
    postal_code = TypedTextField(
        _l("Postal code"),
        filters=[_strip],
        validators=[
            _required(_l("Enter the postal code.")),
            _max(10),
            Normalised(normalise_postal_code),
        ],
    )
    city = TypedTextField(
        _l("City"),
        filters=[_strip],
        validators=[_required(_l("Enter the city.")), _max(100), one_line],
    )
    phone = TypedTextField(
        _l("Phone number"),
        filters=[_strip],
        validators=[
            _required(_l("Enter a phone number we can reach you on.")),
            _max(30),
            Normalised(normalise_phone),
        ],
    )
    email = TypedTextField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[_required(_l("Enter your e-mail address.")), _max(254)],
    )
    # Marknadsföringslagen 19 § 2 st.: offered, unticked, where the address is collected.
    newsletter_objection = BooleanField(_l("I do not want newsletters"))

    def validate_email(self, field) -> None:
        """An address we can send to: plain ASCII before the @, a real-looking domain."""
        try:
            result = validate_email(field.data, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError:
            raise ValidationError(_l("Enter an e-mail address like name@example.se.")) from None
        field.data = result.ascii_email.lower()

    def validate_vat_number(self, field) -> None:
        """A Swedish VAT number holds the organisation number it belongs to."""
        number = self.organisation_number.data or ""
        if field.data and not field.errors and not self.organisation_number.errors and number:
            digits = re.sub(r"\D", "", number)[-10:]
            if field.data[2:12] != digits:
                raise ValidationError(_l("This VAT number belongs to another organisation number."))

    def values(self) -> dict:
        """The validated buyer, for the order service."""
        values = {name: getattr(self, name).data for name in BUYER_FIELDS}
        values["vat_number"] = values["vat_number"] or None
        return values


BUYER_FIELDS = (
    "company_name",
    "organisation_number",
    "vat_number",
    "first_name",
    "last_name",
    "street",
    "postal_code",
    "city",
    "phone",
    "email",
)


class ReviewForm(PublicForm):
    """The last step: accept the terms."""

    accept_terms = BooleanField(
        _l("I have read and accept the terms of purchase"),
        validators=[_required(_l("Accept the terms of purchase to place the order."))],
    )
