"""``flask newsletter send-outbox``: the worker that sends queued newsletters."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup

from joans.newsletter.outbox import OutboxWorker

newsletter_cli = AppGroup("newsletter", help="Send newsletters.")


@newsletter_cli.command("send-outbox")
@click.option("--loop", is_flag=True, help="Keep running and look for new messages regularly.")
def send_outbox_command(loop: bool) -> None:
    """Send every queued newsletter message that is due, then stop (run it from cron).

    With --loop it keeps running (as a systemd service), looking for work every
    NEWSLETTER_POLL_SECONDS; SIGTERM or Ctrl-C stop it after the message in hand. Prints and
    logs counts, never addresses.
    """
    with _stop_on_signals() as stop:
        report = OutboxWorker().run(loop=loop, should_stop=stop)
    click.echo(f"newsletter outbox: {report.summary()}")
    current_app.logger.info("newsletter outbox: %s", report.summary())
    if report.connection_failures and not loop:
        raise click.ClickException(
            f"the mail server could not be reached ({', '.join(report.errors)}); "
            "the messages wait for the next run"
        )


@contextmanager
def _stop_on_signals() -> Iterator[Callable[[], bool]]:
    """SIGTERM and SIGINT ask the worker to stop after the message in hand."""
    stopping: list[int] = []
    signals = (signal.SIGTERM, signal.SIGINT)
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False  # only the main thread may handle signals
        return
    previous = {number: signal.signal(number, lambda num, frame: stopping.append(num))
                for number in signals}  # fmt: skip
    try:
        yield lambda: bool(stopping)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
