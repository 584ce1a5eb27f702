"""Back-office forms of orders: a product in the catalogue."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from joans.backoffice.forms import StaffForm, max_length, required
from joans.models.catalogue import KIND_LABELS, PERIOD_LABELS, VAT_RATES, ProductKind
from joans.money import parse_money


class ProductForm(StaffForm):
    """A product in the catalogue; the price is typed in kronor excluding VAT."""

    code = StringField(
        _l("Code"),
        description=_l("Lower-case letters, digits and hyphens, e.g. hosting-small."),
        validators=[required(_l("Enter a code.")), max_length(40)],
    )
    name_sv = StringField(
        _l("Name in Swedish"), validators=[required(_l("Enter the Swedish name.")), max_length(120)]
    )
    name_en = StringField(
        _l("Name in English"), validators=[required(_l("Enter the English name.")), max_length(120)]
    )
    description_sv = TextAreaField(_l("Description in Swedish"), validators=[max_length(2000)])
    description_en = TextAreaField(_l("Description in English"), validators=[max_length(2000)])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]
    )
    tld = StringField(
        _l("Top-level domain"),
        description=_l("For a domain registration only, without the dot: se, nu, com."),
        # No Optional(): an empty field must still reach validate_tld, which knows the kind.
        validators=[max_length(63)],
        filters=[
            lambda value: value.strip().lstrip(".").lower() if isinstance(value, str) else value
        ],
    )
    price = StringField(
        _l("Price in kronor, excluding VAT"),
        validators=[required(_l("Enter the price."))],
    )
    vat_percent = SelectField(
        _l("VAT rate"),
        coerce=int,
        choices=[SelectChoice(rate, f"{rate} %") for rate in VAT_RATES],
    )
    billing_period = SelectField(
        _l("Billed"),
        choices=[SelectChoice(period.value, label) for period, label in PERIOD_LABELS.items()],
    )
    position = StringField(
        _l("Position in the order form"),
        description=_l("Lower numbers come first."),
        default="100",
        validators=[required(_l("Enter a number."))],
    )
    active = BooleanField(_l("Can be ordered"), default=True)
    submit = SubmitField(_l("Save"))

    price_ore: int = 0

    def validate_code(self, field) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", field.data or ""):
            raise ValidationError(_l("Use lower-case letters, digits and hyphens."))

    def validate_price(self, field) -> None:
        try:
            self.price_ore = parse_money(field.data or "")
        except ValueError:
            raise ValidationError(_l("Enter an amount in kronor, e.g. 199 or 199,50.")) from None

    def validate_position(self, field) -> None:
        if not re.fullmatch(r"\d{1,4}", (field.data or "").strip()):
            raise ValidationError(_l("Enter a whole number from 0 to 9999."))

    def validate_tld(self, field) -> None:
        is_domain = self.kind.data == ProductKind.DOMAIN
        if is_domain and not field.data:
            raise ValidationError(_l("A domain registration needs its top-level domain."))
        if not is_domain and field.data:
            raise ValidationError(_l("Only a domain registration has a top-level domain."))
        if field.data and not re.fullmatch(r"[a-z]{2,63}", field.data):
            raise ValidationError(_l("Use letters only, e.g. se."))

    def values(self) -> dict:
        """The cleaned values for the catalogue service."""
        return {
            "code": self.code.data,
            "name_sv": self.name_sv.data,
            "name_en": self.name_en.data,
            "description_sv": self.description_sv.data or "",
            "description_en": self.description_en.data or "",
            "kind": self.kind.data,
            "tld": self.tld.data or None,
            "price_ore": self.price_ore,
            "vat_percent": self.vat_percent.data,
            "billing_period": self.billing_period.data,
            "position": int(self.position.data.strip()),
            "active": self.active.data,
        }
