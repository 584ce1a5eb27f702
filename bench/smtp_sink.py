"""An SMTP sink in a process of its own, so the sender being measured has its CPU to itself.

    python -m bench.smtp_sink PORT

Accepts every message on 127.0.0.1:PORT and, when stopped with SIGTERM, prints one JSON line:
how many messages arrived, how many recipients got more than one, and the bytes received.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections import Counter

from aiosmtpd.controller import Controller


class CountingSink:
    """Counts messages per recipient."""

    def __init__(self) -> None:
        self.per_recipient: Counter[str] = Counter()
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages += 1
        self.bytes += len(envelope.content)
        self.per_recipient.update(envelope.rcpt_tos)
        return "250 OK"


def main(port: int) -> None:
    """Serve until SIGTERM, then print the counts."""
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port, data_size_limit=None)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
    print("ready", flush=True)
    stopped.wait()
    controller.stop()
    duplicates = sum(1 for count in sink.per_recipient.values() if count > 1)
    result = {
        "messages": sink.messages,
        "recipients": len(sink.per_recipient),
        "duplicates": duplicates,
        "bytes": sink.bytes,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
