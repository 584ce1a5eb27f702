"""The catalogue: what customers can order, at which price, billed how often."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joans.extensions import db
from joans.models.personal_data import not_personal
from joans.models.types import UTCDateTime, utcnow


class ProductKind(StrEnum):
    """What kind of thing a product is; domain registrations carry a top-level domain."""

    SERVICE = "service"
    PRODUCT = "product"
    DOMAIN = "domain"


class BillingPeriod(StrEnum):
    """How often a product is invoiced."""

    ONCE = "once"
    MONTHLY = "monthly"
    YEARLY = "yearly"


# The Swedish VAT rates (mervärdesskattelagen 2023:200, 9 kap.): 25 %, 12 %, 6 % and exempt.
VAT_RATES = (25, 12, 6, 0)

KIND_LABELS = {
    ProductKind.SERVICE: _l("Service"),
    ProductKind.PRODUCT: _l("Product"),
    ProductKind.DOMAIN: _l("Domain registration"),
}
PERIOD_LABELS = {
    BillingPeriod.ONCE: _l("one-off"),
    BillingPeriod.MONTHLY: _l("per month"),
    BillingPeriod.YEARLY: _l("per year"),
}


def _one_of(column: str, values) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Product(db.Model):
    """One thing in the catalogue. Prices are whole öre excluding VAT, so sums are exact."""

    __tablename__ = "product"
    __table_args__ = (
        _one_of("kind", ProductKind),
        _one_of("billing_period", BillingPeriod),
        CheckConstraint(f"vat_percent IN {VAT_RATES}", name="vat_percent"),
        CheckConstraint("price_ore >= 0", name="price_ore"),
        # A domain registration is for exactly one top-level domain; nothing else has one.
        CheckConstraint("(kind = 'domain') = (tld IS NOT NULL)", name="tld"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A stable name for the demo loader and for people: "hosting-small", "domain-se".
    code: Mapped[str] = mapped_column(String(40), unique=True, info=not_personal())
    name_sv: Mapped[str] = mapped_column(String(120), info=not_personal())
    name_en: Mapped[str] = mapped_column(String(120), info=not_personal())
    description_sv: Mapped[str] = mapped_column(Text, default="", info=not_personal())
    description_en: Mapped[str] = mapped_column(Text, default="", info=not_personal())
    kind: Mapped[str] = mapped_column(String(16), info=not_personal())
    # The top-level domain a domain registration is for, lower-case without the dot ("se").
    tld: Mapped[str | None] = mapped_column(String(63), unique=True, info=not_personal())
    price_ore: Mapped[int] = mapped_column(Integer)
    vat_percent: Mapped[int] = mapped_column(Integer, default=25)
    billing_period: Mapped[str] = mapped_column(String(16), info=not_personal())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where the product comes in the order form, lowest first.
    position: Mapped[int] = mapped_column(Integer, default=100)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def name(self, language: str) -> str:
        """The product's name in ``language`` ("sv" or "en")."""
        return self.name_en if language == "en" else self.name_sv

    def description(self, language: str) -> str:
        """The product's description in ``language``."""
        return self.description_en if language == "en" else self.description_sv

    @property
    def price_with_vat_ore(self) -> int:
        """The price a consumer pays, VAT included, rounded to whole öre."""
        return vat_inclusive(self.price_ore, self.vat_percent)


def vat_amount(net_ore: int, vat_percent: int) -> int:
    """The VAT on ``net_ore`` at ``vat_percent``, rounded half away from zero to whole öre."""
    product = abs(net_ore) * vat_percent
    rounded = (product + 50) // 100
    return rounded if net_ore >= 0 else -rounded


def vat_inclusive(net_ore: int, vat_percent: int) -> int:
    """``net_ore`` with its VAT added."""
    return net_ore + vat_amount(net_ore, vat_percent)
