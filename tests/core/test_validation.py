"""Swedish data validation, with the tables of CHECKLISTS.md "Swedish data validation"."""

from __future__ import annotations

import pytest

from joans.validation import (
    format_phone,
    mask_personnummer,
    mask_vat_number,
    normalise_organisation_number,
    normalise_personnummer,
    normalise_phone,
    normalise_postal_code,
    normalise_vat_number,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("070-123 45 67", "+46701234567"),
        ("0701234567", "+46701234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("08-123 456 78", "+46812345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 212 555 0199", "+12125550199"),
    ],
)
def test_valid_phone_numbers_are_stored_in_e164(typed, stored):
    """Swedish numbers without a country code, and foreign numbers with one."""
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "abc", "070-123", "+46 70 123 45 67 89 12", "0000000000"])
def test_impossible_or_invalid_phone_numbers_are_refused(typed):
    """A number phonenumbers does not consider valid (not merely possible) is refused."""
    with pytest.raises(ValueError):
        normalise_phone(typed)


def test_stored_numbers_are_shown_the_way_people_write_them():
    """Swedish numbers in national form, foreign ones in international form."""
    assert format_phone("+46701234567") == "070-123 45 67"
    assert format_phone("+442079460958") == "+44 20 7946 0958"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("556036-0793", "556036-0793"),
        ("5560360793", "556036-0793"),
        ("16556036-0793", "556036-0793"),
        ("165560360793", "556036-0793"),
        (" 556036 0793 ", "556036-0793"),
    ],
)
def test_valid_organisation_numbers_are_normalised(typed, stored):
    """10 digits, or 12 with the 16 prefix, stored as NNNNNN-NNNN."""
    assert normalise_organisation_number(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("556036-0794", "not valid"),  # wrong check digit
        ("551036-0794", "not an organisation number"),  # Luhn passes, digits 3-4 below 20
        ("811218-9876", "not an organisation number"),  # a personnummer
        ("55603607", "10 digits"),
        ("556036-079X", "10 digits"),
        ("17556036-0793", "10 digits"),
    ],
)
def test_invalid_organisation_numbers_are_refused(app, typed, reason):
    """The check digit and the 20-or-more rule for digits 3-4 are both enforced."""
    with app.test_request_context("/en/"), pytest.raises(ValueError) as error:
        normalise_organisation_number(typed)
    assert reason in str(error.value.args[0])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("811218-9876", "19811218-9876"), ("198112189876", "19811218-9876")],
)
def test_personnummer_is_stored_with_its_century(typed, stored):
    """A sole trader's identity number is accepted and stored unambiguously."""
    assert normalise_personnummer(typed) == stored


def test_invalid_personnummer_is_refused():
    """Wrong check digit or impossible date."""
    for typed in ("811218-9875", "811318-9876"):
        with pytest.raises(ValueError):
            normalise_personnummer(typed)


def test_personnummer_is_masked_for_lists():
    """Lists show the birth date but not the last four digits."""
    assert mask_personnummer("19811218-9876") == "19811218-****"


@pytest.mark.parametrize("typed", ["SE556036079301", "se 556036-0793 01"])
def test_vat_number_is_se_plus_organisation_number_plus_01(typed):
    """SE + 10 digits + 01, with a valid organisation number inside."""
    assert normalise_vat_number(typed) == "SE556036079301"


@pytest.mark.parametrize("typed", ["SE556036079401", "SE5560360793", "DK12345678", "556036079301"])
def test_invalid_vat_numbers_are_refused(typed):
    """Anything else is refused."""
    with pytest.raises(ValueError):
        normalise_vat_number(typed)


@pytest.mark.parametrize(
    ("vat_number", "shown"),
    [
        ("SE811218987601", "SE811218****01"),  # a sole trader: SE + personnummer + 01
        ("SE 811218-9876 01", "SE811218****01"),
        ("SE556036079301", "SE556036079301"),  # an organisation number is not personal
        ("DK12345678", "DK12345678"),
    ],
)
def test_the_personnummer_in_a_vat_number_is_masked_as_in_lists(vat_number, shown):
    """A sole trader's VAT number hides the personnummer's last four digits; others show whole."""
    assert mask_vat_number(vat_number) == shown


@pytest.mark.parametrize(("typed", "stored"), [("11122", "111 22"), ("111 22", "111 22")])
def test_postal_code_is_shown_as_nnn_nn(typed, stored):
    """Five digits, stored and shown as NNN NN."""
    assert normalise_postal_code(typed) == stored


@pytest.mark.parametrize("typed", ["1112", "111222", "abcde", "01122"])
def test_invalid_postal_codes_are_refused(typed):
    """Swedish postal codes have five digits and never start with 0."""
    with pytest.raises(ValueError):
        normalise_postal_code(typed)
