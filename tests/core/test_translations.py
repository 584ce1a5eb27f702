"""The catalogues are complete and in step with the code."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from joans.commands import TEMPLATE, TRANSLATIONS, extract


def _catalogue(path, locale=None):
    with open(path, "rb") as file:
        return read_po(file, locale=locale)


def _ids(catalogue) -> set:
    return {(message.context, message.id) for message in catalogue if message.id}


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_catalogue_has_no_untranslated_or_fuzzy_entry(locale):
    """Every string a visitor or staff member can see is in the catalogue, plurals too."""
    catalogue = _catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    bad = [
        message.id
        for message in catalogue
        if message.id
        and (
            message.fuzzy
            or not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
        )
    ]
    assert bad == []


def test_catalogues_match_the_strings_in_the_code(tmp_path):
    """Run `make update-translations` and translate the new entries when this fails."""
    fresh = tmp_path / "messages.pot"
    extract(fresh)
    in_code = _ids(_catalogue(fresh))
    assert _ids(_catalogue(TEMPLATE)) == in_code, "translations/messages.pot is stale"
    for locale in ("sv", "en"):
        catalogue = _catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
        assert _ids(catalogue) == in_code, f"the {locale} catalogue is stale"


def test_python_format_placeholders_survive_translation():
    """A translation that drops or renames %(name)s would fail at render time."""
    catalogue = _catalogue(TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po", "sv")
    errors = [(message.id, error) for message, error in catalogue.check()]
    assert errors == []
