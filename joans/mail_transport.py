"""Flask-Mail with a connection timeout.

Flask-Mail opens SMTP connections without one, so a mail server that accepts the connection and
never answers would hold a web worker (and the visitor) forever. Every connection here gives up
after ``MAIL_TIMEOUT`` seconds and raises, and the caller decides what a failure means.
"""

from __future__ import annotations

import smtplib

import flask_mail
from flask import current_app


class TimedConnection(flask_mail.Connection):
    """An SMTP connection whose every socket operation times out."""

    def configure_host(self) -> smtplib.SMTP:
        """Connect, start TLS and log in as Flask-Mail does, with a timeout."""
        timeout = current_app.config["MAIL_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class Mail(flask_mail.Mail):
    """The Flask-Mail extension, handing out :class:`TimedConnection` objects."""

    def connect(self) -> TimedConnection:
        """Open a connection with the app's mail settings and ``MAIL_TIMEOUT``."""
        return TimedConnection(current_app.extensions["mail"])
