"""The catalogue: products admins edit, and the demo products a new installation starts with."""

from __future__ import annotations

from sqlalchemy import select

from joans.audit import record_event
from joans.extensions import db
from joans.models.catalogue import BillingPeriod, Product, ProductKind

PRODUCT_FIELDS = (
    "code", "name_sv", "name_en", "description_sv", "description_en", "kind", "tld",
    "price_ore", "vat_percent", "billing_period", "position", "active",
)  # fmt: skip

# Prices are whole öre excluding VAT.
DEMO_PRODUCTS = (
    {
        "code": "website-start",
        "name_sv": "Webbplats Start",
        "name_en": "Website Start",
        "description_sv": "En webbplats med upp till fem sidor, på svenska och engelska.",
        "description_en": "A website of up to five pages, in Swedish and English.",
        "kind": ProductKind.SERVICE,
        "price_ore": 1_490_000,
        "billing_period": BillingPeriod.ONCE,
        "position": 10,
    },
    {
        "code": "hosting-small",
        "name_sv": "Webbhotell Bas",
        "name_en": "Hosting Basic",
        "description_sv": "Webbhotell med HTTPS, säkerhetskopior och övervakning.",
        "description_en": "Hosting with HTTPS, backups and monitoring.",
        "kind": ProductKind.SERVICE,
        "price_ore": 19_900,
        "billing_period": BillingPeriod.MONTHLY,
        "position": 20,
    },
    {
        "code": "email-account",
        "name_sv": "E-postkonto",
        "name_en": "E-mail account",
        "description_sv": "En adress på din egen domän, med skräppostfilter.",
        "description_en": "One address on your own domain, with spam filtering.",
        "kind": ProductKind.SERVICE,
        "price_ore": 4_900,
        "billing_period": BillingPeriod.MONTHLY,
        "position": 30,
    },
    {
        "code": "domain-se",
        "name_sv": "Domänregistrering .se",
        "name_en": "Domain registration .se",
        "kind": ProductKind.DOMAIN,
        "tld": "se",
        "price_ore": 14_900,
        "billing_period": BillingPeriod.YEARLY,
        "position": 40,
    },
    {
        "code": "domain-nu",
        "name_sv": "Domänregistrering .nu",
        "name_en": "Domain registration .nu",
        "kind": ProductKind.DOMAIN,
        "tld": "nu",
        "price_ore": 19_900,
        "billing_period": BillingPeriod.YEARLY,
        "position": 41,
    },
    {
        "code": "domain-com",
        "name_sv": "Domänregistrering .com",
        "name_en": "Domain registration .com",
        "kind": ProductKind.DOMAIN,
        "tld": "com",
        "price_ore": 16_900,
        "billing_period": BillingPeriod.YEARLY,
        "position": 42,
    },
)


def list_products() -> list[Product]:
    """Every product, active first, in the order form's order."""
    query = select(Product).order_by(Product.active.desc(), Product.position, Product.id)
    return list(db.session.scalars(query))


def find_product(product_id: int) -> Product | None:
    """A product by id."""
    return db.session.get(Product, product_id)


def clashes(values: dict, *, exclude_id: int | None = None) -> list[str]:
    """The fields whose value another product already has: "code", "tld"."""
    found = []
    for name in ("code", "tld"):
        if values.get(name) is None:
            continue
        query = select(Product.id).where(getattr(Product, name) == values[name])
        if exclude_id is not None:
            query = query.where(Product.id != exclude_id)
        if db.session.scalar(query.limit(1)) is not None:
            found.append(name)
    return found


def create_product(values: dict, *, actor_id: int) -> Product:
    """Add a product to the catalogue."""
    product = Product(**{name: values[name] for name in PRODUCT_FIELDS})
    db.session.add(product)
    db.session.flush()
    record_event(
        "product.created", actor_id=actor_id, subject_type="product", subject_id=product.id
    )
    db.session.commit()
    return product


def update_product(product: Product, values: dict, *, actor_id: int) -> list[str]:
    """Save the fields that changed. Placed orders keep the price they were ordered at."""
    changed = [name for name in PRODUCT_FIELDS if getattr(product, name) != values[name]]
    for name in changed:
        setattr(product, name, values[name])
    if changed:
        record_event(
            "product.updated",
            actor_id=actor_id,
            subject_type="product",
            subject_id=product.id,
            fields=changed,
        )
        db.session.commit()
    return changed


def load_demo_products() -> int:
    """Add the demo products that are missing (by code); returns how many were added."""
    existing = set(db.session.scalars(select(Product.code)))
    added = 0
    for values in DEMO_PRODUCTS:
        if values["code"] in existing:
            continue
        db.session.add(Product(**{"vat_percent": 25, "active": True, **values}))
        added += 1
    db.session.commit()
    return added
