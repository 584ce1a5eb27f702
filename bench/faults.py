"""Faults under load: the database goes away and comes back, the mail server misbehaves.

Clients post call-back requests (each with a unique name) for the whole run while the fault is
switched on and off. Afterwards the database is counted: every request answered 303 must be
stored once, the only failures allowed are the translated 503 page, and the last seconds after
the fault must succeed again without anyone restarting anything.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from sqlalchemy import make_url

from bench.common import free_port, gunicorn
from bench.databases import database
from bench.fault_proxy import FaultProxy
from bench.load import form_token, load_env, post_callback, stored_requests

CLIENTS = 8


def run_load(base_url: str, seconds: float, fault, clients: int = CLIENTS) -> list[tuple]:
    """Post for ``seconds`` from ``clients`` threads while ``fault(elapsed)`` is called."""
    token = form_token(base_url)
    host = urlsplit(base_url).netloc
    started = time.monotonic()
    results: list[tuple[float, int]] = []
    numbers = iter(range(10**9))
    lock = threading.Lock()

    def client() -> None:
        while (elapsed := time.monotonic() - started) < seconds:
            with lock:
                number = next(numbers)
            status = post_callback(host, number, token)
            with lock:
                results.append((elapsed, status))

    with ThreadPoolExecutor(clients + 1) as pool:
        for _ in range(clients):
            pool.submit(client)
        while (elapsed := time.monotonic() - started) < seconds:
            fault(elapsed)
            time.sleep(0.05)
    return results


def summarise(name: str, results: list[tuple], stored: dict, recovered_after: float) -> dict:
    """Counts per status, what was stored, and whether the last stretch succeeded again."""
    statuses = Counter(status for _, status in results)
    tail = [status for elapsed, status in results if elapsed >= recovered_after]
    accepted = statuses.get(303, 0)
    return {
        "scenario": name,
        "submissions": len(results),
        "statuses": dict(statuses),
        "stored": stored["rows"],
        # An accepted submission must be stored; a failed one may be (the commit can succeed
        # just before the connection drops), but never twice.
        "lost": max(accepted - stored["distinct"], 0),
        "duplicated": stored["rows"] - stored["distinct"],
        "unexpected_errors": sum(n for s, n in statuses.items() if s not in (303, 503)),
        "recovered": bool(tail) and all(status == 303 for status in tail),
    }


def database_outage(seconds: float = 12, cut_at: float = 3, back_at: float = 7) -> dict:
    """PostgreSQL unreachable from ``cut_at`` to ``back_at`` seconds into the run."""
    sink = MisbehavingSMTP()  # a well-behaved one
    try:
        with database("postgresql") as url:
            target = make_url(url)
            proxy = FaultProxy((target.host, target.port or 5432))
            proxy.start()
            proxied = target.set(host="127.0.0.1", port=proxy.port)
            env = load_env(proxied.render_as_string(hide_password=False), sink.port)

            def fault(elapsed: float) -> None:
                if cut_at <= elapsed < back_at:
                    proxy.cut()
                else:
                    proxy.restore()

            try:
                with gunicorn("wsgi:app", env) as site:
                    results = run_load(site, seconds, fault)
            finally:
                proxy.stop()
            stored = stored_requests(url)
    finally:
        sink.stop()
    return summarise("PostgreSQL unreachable", results, stored, recovered_after=back_at + 2)


class MisbehavingSMTP:
    """An SMTP server that is slow, or hangs up on every other message."""

    def __init__(self, *, delay: float = 0.0, drop_every: int = 0) -> None:
        self.delay = delay
        self.drop_every = drop_every
        self.received = 0
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.received += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.drop_every and self.received % self.drop_every == 0:
            server.transport.close()  # hang up: the client never reads this answer
            return "421 Closing connection"
        return "250 OK"

    def stop(self) -> None:
        self._controller.stop()


def mail_fault(name: str, smtp_port: int, seconds: float = 8) -> dict:
    """Post for ``seconds`` on SQLite with the mail server at ``smtp_port`` misbehaving."""
    with database("sqlite") as url, gunicorn("wsgi:app", _mail_env(url, smtp_port)) as site:
        results = run_load(site, seconds, lambda elapsed: None)
        stored = stored_requests(url)
    return summarise(name, results, stored, recovered_after=0)


def _mail_env(url: str, smtp_port: int) -> dict:
    return {**load_env(url, smtp_port), "JOANS_MAIL_TIMEOUT": "2"}


def mail_faults(seconds: float = 8) -> list[dict]:
    """The mail server down, slow, and dropping connections: requests must still be stored."""
    rows = [mail_fault("SMTP server down", free_port(), seconds)]
    scenarios = {
        "SMTP server slow (1 s per message)": {"delay": 1.0},
        "SMTP server hangs up on every 2nd message": {"drop_every": 2},
    }
    for name, options in scenarios.items():
        server = MisbehavingSMTP(**options)
        try:
            rows.append(mail_fault(name, server.port, seconds))
        finally:
            server.stop()
    return rows


def run() -> dict:
    """Every fault scenario."""
    return {
        "area": "faults",
        "command": "make bench BENCH=faults",
        "rows": [database_outage(), *mail_faults()],
        "targets": {"lost": 0, "duplicated": 0, "unexpected_errors": 0, "recovered": True},
    }
