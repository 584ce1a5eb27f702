"""The catalogue: demo products, prices with and without VAT, and money as people type it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from joans.extensions import db
from joans.models.catalogue import Product
from joans.money import format_money, parse_money
from joans.orders.catalogue import DEMO_PRODUCTS


def test_loading_the_demo_products_twice_adds_them_once(app, runner):
    """`flask catalogue load-demo` (run by `make run`) is safe to repeat."""
    first = runner.invoke(args=["catalogue", "load-demo"])
    second = runner.invoke(args=["catalogue", "load-demo"])
    assert first.exit_code == second.exit_code == 0
    assert f"demo products added: {len(DEMO_PRODUCTS)}" in first.output
    assert "demo products added: 0" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Product)) == len(DEMO_PRODUCTS)
        tlds = set(db.session.scalars(select(Product.tld).where(Product.tld.is_not(None))))
    assert tlds == {"se", "nu", "com"}


def test_a_demo_product_changed_by_an_admin_is_not_overwritten(app, runner):
    """The loader adds what is missing and leaves edited products alone."""
    runner.invoke(args=["catalogue", "load-demo"])
    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.code == "hosting-small"))
        product.price_ore = 24_900
        db.session.commit()
    runner.invoke(args=["catalogue", "load-demo"])
    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.code == "hosting-small"))
        assert product.price_ore == 24_900


def test_consumer_prices_include_vat():
    """199 kr excluding 25 % VAT is 248,75 kr including it."""
    assert Product(price_ore=19_900, vat_percent=25).price_with_vat_ore == 24_875


@pytest.mark.parametrize(
    ("ore", "language", "shown"),
    [(24_875, "sv", "248,75\u00a0kr"), (123_450, "sv", "1\u00a0234,50\u00a0kr"),
     (123_450, "en", "SEK\u00a01,234.50"), (-4_900, "en", "SEK\u00a0-49.00")],
)  # fmt: skip
def test_amounts_are_written_as_each_language_writes_them(ore, language, shown):
    """Swedish puts "kr" after the number, English "SEK" before it."""
    assert format_money(ore, language) == shown


@pytest.mark.parametrize(
    ("typed", "ore"),
    [("199", 19_900), ("199,50", 19_950), ("199.5", 19_950), ("1 234,50", 123_450),
     ("149 kr", 14_900), ("0", 0)],
)  # fmt: skip
def test_prices_are_typed_in_kronor_and_stored_in_ore(typed, ore):
    """A comma or a point, spaces between thousands, an optional "kr"."""
    assert parse_money(typed) == ore


@pytest.mark.parametrize("typed", ["", "abc", "-5", "1,234.50", "1.234", "1e3", "NaN", "99999999"])
def test_what_is_not_a_price_is_refused(typed):
    """No negative, exponent, three decimals or absurd amounts."""
    with pytest.raises(ValueError):
        parse_money(typed)
