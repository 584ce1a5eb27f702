"""Sending one e-mail, rendered from a ``.txt`` and ``.html`` template pair in a given language.

Bulk and retryable mail (newsletters) goes through the outbox instead; this helper sends at once
and lets the caller decide what a failure means.
"""

from __future__ import annotations

import click
from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_mail import Message, email_dispatched

from joans.extensions import mail


def send_email(
    *,
    to: str | list[str],
    subject: str,
    template: str,
    language: str,
    sender: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    **context: object,
) -> Message:
    """Render ``email/<template>.txt`` and ``.html`` in ``language`` and send them.

    ``subject`` may be a lazy string; it is translated in ``language`` too. ``attachments`` are
    ``(filename, content type, data)``. Raises whatever the SMTP connection raises.
    """
    with force_locale(language):
        message = Message(
            subject=str(subject),
            recipients=[to] if isinstance(to, str) else list(to),
            body=render_template(f"email/{template}.txt", **context),
            html=render_template(f"email/{template}.html", **context),
            sender=sender,
        )
    for filename, content_type, data in attachments:
        message.attach(filename, content_type, data)
    mail.send(message)
    return message


def staff_addresses(setting: str) -> list[str]:
    """The staff addresses a notification setting names; ``COMPANY_EMAIL`` when it is unset.

    The setting is a list (JSON in the environment) or one comma-separated string.
    """
    configured = current_app.config[setting]
    if configured is None:
        return [current_app.config["COMPANY_EMAIL"]]
    if isinstance(configured, str):
        configured = configured.split(",")
    return [address.strip() for address in configured if address.strip()]


def init_app(app: Flask) -> None:
    """In development, print each e-mail to the console instead of sending it."""
    if app.config["ENV"] == "development":
        email_dispatched.connect(_print_message, weak=False)


def _print_message(app: Flask, message: Message) -> None:
    if app.config["ENV"] == "development":
        click.echo(f"--- e-mail (not sent in development) ---\n{message.as_string()}\n---")
