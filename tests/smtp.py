"""A real SMTP server in the test process (aiosmtpd) that records what it receives."""

from __future__ import annotations

import email
import socket
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class RecordingSMTPServer:
    """Accepts mail on 127.0.0.1 and keeps every message it was given.

    ``refuse[address] = "550 No such user"`` makes the server reject that recipient, the way a
    real mail server answers a permanent or temporary failure.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.port = _free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def app_config(self) -> dict:
        """Settings that point Flask-Mail at this server and make it really send."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_SUPPRESS_SEND": False}

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
