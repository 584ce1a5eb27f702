"""Flask-Mail with a connection timeout.

Flask-Mail opens SMTP connections without one, so a mail server that accepts the connection and
never answers would hold a web worker (and the visitor) forever. Every connection here gives up
after ``MAIL_TIMEOUT`` seconds and raises, and the caller decides what a failure means.
"""

from __future__ import annotations

import re
import smtplib

import click
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


# --- Sending many messages over one connection, knowing what each failure means ---------------

ENHANCED_CODE = re.compile(rb"^[245]\.\d{1,3}\.\d{1,3}\b")


class DeliveryError(Exception):
    """A message was not delivered; ``code`` is the server's reply code, never its text."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class TemporaryFailure(DeliveryError):
    """A 4xx reply or a lost connection before the message was complete: try again later."""


class ConnectionFailure(TemporaryFailure):
    """No connection to the mail server at all: nothing was attempted."""


class PermanentFailure(DeliveryError):
    """A 5xx reply: this message will never be accepted."""


class UncertainDelivery(DeliveryError):
    """The whole message went out but no reply came: it may have been accepted (RFC 1047).

    Sending it again could deliver it twice, so it must not be retried.
    """


def reply_code(code: int, reply: bytes) -> str:
    """``"550 5.1.1"``: the reply code and, when given, the enhanced status code (RFC 3463)."""
    enhanced = ENHANCED_CODE.match(reply or b"")
    return f"{code} {enhanced.group().decode()}" if enhanced else str(code)


def _failure(code: int, reply: bytes) -> DeliveryError:
    kind = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return kind(reply_code(code, reply))


class SMTPSession:
    """One SMTP connection from Flask-Mail's ``mail.connect()``, reused message after message.

    :meth:`envelope` and :meth:`data` are the two halves of one SMTP transaction (RFC 5321 3.3);
    a failure is classified by when it happened: before the end of the data nothing was
    delivered, after it the message may have been.
    """

    def __init__(self) -> None:
        self._connection: TimedConnection | None = None
        self._sent_on_connection = 0

    @property
    def suppressed(self) -> bool:
        """True when Flask-Mail is told not to send (development): messages go nowhere."""
        return current_app.extensions["mail"].suppress

    def connect(self) -> None:
        """Open the connection unless it is open; raises :class:`ConnectionFailure`."""
        if self._connection is not None or self.suppressed:
            return
        connection = current_app.extensions["mail"].connect()
        try:
            connection.host = connection.configure_host()
        except smtplib.SMTPResponseException as error:
            raise ConnectionFailure(reply_code(error.smtp_code, error.smtp_error)) from None
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectionFailure(type(error).__name__) from None
        self._connection = connection
        self._sent_on_connection = 0

    def close(self) -> None:
        """Say QUIT if the server still listens, and forget the connection."""
        connection, self._connection = self._connection, None
        if connection is not None and connection.host is not None:
            try:
                connection.host.quit()
            except (OSError, smtplib.SMTPException):
                connection.host.close()

    def envelope(self, sender: str, recipient: str, *, smtputf8: bool = False) -> None:
        """MAIL FROM and RCPT TO; raises Temporary/PermanentFailure (the connection stays)."""
        if self.suppressed:
            return
        host = self._host()
        try:
            host.ehlo_or_helo_if_needed()
            options = []
            if smtputf8:
                if not host.has_extn("smtputf8"):
                    raise PermanentFailure("553 5.6.7")  # RFC 6531: no non-ASCII address here
                options = ["SMTPUTF8", "BODY=8BITMIME"]
            code, reply = host.mail(sender, options)
            if code != 250:
                self._reset()
                raise _failure(code, reply)
            code, reply = host.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                raise _failure(code, reply)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPHeloError):
            self._lost()
            raise TemporaryFailure("connection lost") from None

    def data(self, message: bytes) -> None:
        """DATA, the message and its end; raises on failure, UncertainDelivery if no reply came."""
        if self.suppressed:
            if current_app.config["ENV"] == "development":
                click.echo(f"--- e-mail (not sent in development) ---\n{message.decode()}\n---")
            return
        host = self._host()
        try:
            code, reply = host.docmd("data")
            if code != 354:
                self._reset()
                raise _failure(code, reply)
            host.send(_dot_stuffed(message))
        except smtplib.SMTPServerDisconnected:
            # The end of the message never reached the server, so it delivered nothing.
            self._lost()
            raise TemporaryFailure("connection lost") from None
        try:
            code, reply = host.getreply()
        except smtplib.SMTPServerDisconnected:
            self._lost()
            raise UncertainDelivery("no reply") from None
        if code == 421:
            self._lost()
        if code != 250:
            raise _failure(code, reply)
        self._sent_on_connection += 1
        limit = current_app.extensions["mail"].max_emails
        if limit and self._sent_on_connection >= limit:
            self.close()  # the server allows this many per connection: open a new one next time

    def _host(self) -> smtplib.SMTP:
        self.connect()
        return self._connection.host

    def _reset(self) -> None:
        try:
            self._connection.host.rset()
        except (OSError, smtplib.SMTPException):
            self._lost()

    def _lost(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and connection.host is not None:
            connection.host.close()


def _dot_stuffed(message: bytes) -> bytes:
    # RFC 5321 4.5.2: a line that starts with a period gets another; the end is CRLF.CRLF.
    stuffed = re.sub(rb"(?m)^\.", b"..", message)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"
