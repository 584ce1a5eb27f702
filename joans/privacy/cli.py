"""``flask privacy purge``: the scheduled job that deletes what has outlived its purpose."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from joans.models.types import utcnow
from joans.privacy import retention

privacy = AppGroup("privacy", help="Keep the privacy policy's promises about stored data.")


@privacy.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would go and why; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Delete or anonymise what the retention rules say has expired.

    Prints and logs counts per rule, never the rows themselves. Run it daily.
    """
    if dry_run:
        click.echo("Dry run: nothing is changed.")
    for result in retention.purge(utcnow(), dry_run=dry_run):
        rule = result.rule
        done = rule.action.past_tense
        if dry_run:
            click.echo(
                f"{rule.name}: {result.count} would be {done}: {rule.what}, {rule.limit()}. "
                f"Why: {rule.why}."
            )
        else:
            click.echo(f"{rule.name}: {result.count} {done}")
            current_app.logger.info("privacy purge: rule %s %s %d", rule.name, done, result.count)
