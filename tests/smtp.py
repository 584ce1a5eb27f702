"""A real SMTP server in the test process (aiosmtpd) that records what it receives.

Besides accepting mail, it can misbehave the ways real servers do, so the newsletter outbox can
be tested against faults: refuse recipients, answer 4xx for a while, close the connection in
the middle of a transaction, accept a message and never answer, hold a message while a test
kills the sender, or stop listening altogether.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class RecordingSMTPServer:
    """Accepts mail on 127.0.0.1 and keeps every message it was given.

    ``refuse[address] = "550 No such user"`` makes the server reject that recipient, the way a
    real mail server answers a permanent or temporary failure. The other knobs:

    - ``temporary_failures = n``: the next n MAIL commands get ``451 4.3.0``;
    - ``drop_on_mail = n``: the next n MAIL commands get the connection closed instead;
    - ``drop_after_data = n``: the next n messages are delivered, but the connection is closed
      instead of the final "250" (the sender cannot know they arrived);
    - ``hold_at = n``: the n-th message is delivered, then held without an answer until
      ``release`` is set (``holding`` is set meanwhile), as when the sender dies mid-send;
    - :meth:`stop_listening` and :meth:`start_listening`: connections are refused in between.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.refuse: dict[str, str] = {}
        self.temporary_failures = 0
        self.drop_on_mail = 0
        self.drop_after_data = 0
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.connections = 0
        self.port = _free_port()
        self._controller: Controller | None = None

    @property
    def app_config(self) -> dict:
        """Settings that point Flask-Mail at this server and make it really send."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_SUPPRESS_SEND": False}

    def start(self) -> None:
        self.start_listening()

    def stop(self) -> None:
        self.release.set()
        self.stop_listening()

    def start_listening(self) -> None:
        """Accept connections (again) on the same port."""
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop_listening(self) -> None:
        """Close the port: connections are refused until :meth:`start_listening`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def recipients(self) -> list[str]:
        """The To address of every message received, in order."""
        return [str(message["To"]) for message in self.messages]

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.drop_on_mail:
            self.drop_on_mail -= 1
            server.transport.close()
            return "421 4.3.0 Closing"
        if self.temporary_failures:
            self.temporary_failures -= 1
            return "451 4.3.0 Try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.raw.append(envelope.content)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        if len(self.messages) == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        if self.drop_after_data:
            self.drop_after_data -= 1
            server.transport.close()
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
