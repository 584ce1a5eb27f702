"""``flask catalogue load-demo``: the demo products a new installation starts with."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from joans.orders.catalogue import load_demo_products

catalogue_cli = AppGroup("catalogue", help="The products customers can order.")


@catalogue_cli.command("load-demo")
def load_demo_command() -> None:
    """Add the demo products that are missing; running it again adds nothing."""
    added = load_demo_products()
    click.echo(f"demo products added: {added}")
