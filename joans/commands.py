"""The ``flask`` commands: every feature's command group, registered in one step, and
``flask translate``, which extracts, updates and compiles the message catalogues with pybabel."""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask import Flask
from flask.cli import AppGroup

from joans.newsletter.cli import newsletter_cli
from joans.orders.cli import catalogue_cli
from joans.privacy.cli import privacy
from joans.staff.cli import staff_cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = PROJECT_ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"

translate = AppGroup("translate", help="Maintain the Swedish and English message catalogues.")


def pybabel(*args: str) -> None:
    """Run a pybabel command in the project root."""
    CommandLineInterface().run(["pybabel", *args])


def extract(output: Path = TEMPLATE) -> None:
    """Write every translatable string in the code and templates to ``output``."""
    pybabel(
        "extract",
        "--mapping-file", str(PROJECT_ROOT / "babel.cfg"),
        "--keywords", "_l",
        "--no-location",  # line numbers churn on every edit and say nothing to translators
        "--sort-output",
        "--no-wrap",
        "--project", "joans",
        "--copyright-holder", "Joans",
        "--output-file", str(output),
        str(PROJECT_ROOT),
    )  # fmt: skip


@translate.command("extract")
def extract_command() -> None:
    """Regenerate translations/messages.pot from the code."""
    extract()


@translate.command("update")
def update_command() -> None:
    """Extract, then merge new strings into every catalogue."""
    extract()
    pybabel("update", "--input-file", str(TEMPLATE), "--output-dir", str(TRANSLATIONS),
            "--no-wrap", "--ignore-obsolete", "--no-fuzzy-matching")  # fmt: skip
    fill_source_catalogue()


@translate.command("compile")
def compile_command() -> None:
    """Compile the catalogues to the .mo files the app reads."""
    pybabel("compile", "--directory", str(TRANSLATIONS), "--statistics")


def fill_source_catalogue() -> None:
    """Make the English catalogue say what the code says.

    The code is written in English, so the English catalogue starts as a copy of the source
    strings; editing it there changes English copy without touching code.
    """
    path = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalogue = read_po(file, locale="en")
    for message in catalogue:
        # A plural's string is a tuple of forms, empty forms when new.
        if message.id and not all(message.string if message.pluralizable else [message.string]):
            message.string = message.id
    with path.open("wb") as file:
        write_po(file, catalogue, width=None)
    click.echo(f"filled empty entries in {path.relative_to(PROJECT_ROOT)}")


def register_commands(app: Flask) -> None:
    """Register every command group: translations, the catalogue, newsletters, privacy, staff."""
    for group in (translate, catalogue_cli, newsletter_cli, privacy, staff_cli):
        app.cli.add_command(group)
