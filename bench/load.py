"""Load without loss: many call-back requests at once, each stored exactly once, no 5xx.

The site runs under gunicorn (2 workers) with its real mail path to a local SMTP sink and the
rate limit raised for the run. Every submission carries a unique name, so the database can be
checked afterwards: one row per accepted submission, none missing, none twice.
"""

from __future__ import annotations

import http.client
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from bench.common import free_port, gunicorn
from bench.databases import database, site_env

COUNT = 10_000
CONCURRENCY = 32
FORM_PATH = "/kontakt"
MIN_FILL_SECONDS = 3  # the site's default CALLBACK_MIN_FILL_SECONDS


class Sink:
    """An SMTP server that accepts and counts every message."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received += 1
        return "250 OK"


def load_env(database_url: str, smtp_port: int) -> dict[str, str]:
    """Production settings, mail to the sink, and a rate limit no load test reaches."""
    return {
        **site_env(database_url),
        "JOANS_MAIL_SERVER": "127.0.0.1",
        "JOANS_MAIL_PORT": str(smtp_port),
        "JOANS_CALLBACK_RATE_LIMIT": "1000000 per hour",
    }


def form_token(base_url: str) -> str:
    """The signed start time of a freshly rendered form, old enough to be accepted."""
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=30)
    connection.request("GET", FORM_PATH)
    page = connection.getresponse().read().decode()
    connection.close()
    token = re.search(r'name="started" type="hidden" value="([^"]+)"', page)
    if token is None:
        token = re.search(r'value="([^"]+)"[^>]*name="started"', page)
    time.sleep(MIN_FILL_SECONDS + 0.5)
    return token.group(1)


def post_callback(host: str, number: int, token: str) -> int:
    """POST one call-back request named after ``number``; its status, or 0 for no answer."""
    body = urlencode({"name": f"Belastning {number:06d}", "phone": "070-123 45 67",
                      "service": "", "website": "", "started": token})  # fmt: skip
    connection = http.client.HTTPConnection(host, timeout=60)
    try:
        connection.request("POST", FORM_PATH, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Sec-Fetch-Site": "same-origin",
        })  # fmt: skip
        return connection.getresponse().status
    except OSError:
        return 0
    finally:
        connection.close()


def submit_all(base_url: str, count: int, concurrency: int) -> dict:
    """POST ``count`` distinct requests with ``concurrency`` clients; statuses and rate."""
    token = form_token(base_url)
    host = urlsplit(base_url).netloc
    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        statuses = Counter(pool.map(lambda number: post_callback(host, number, token),
                                    range(count)))  # fmt: skip
    elapsed = time.monotonic() - started
    return {"statuses": dict(statuses), "seconds": elapsed, "per_second": count / elapsed}


def stored_requests(database_url: str) -> dict:
    """How many load-test rows the database holds, and how many distinct names among them."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows, distinct = connection.execute(text(
            "SELECT count(*), count(DISTINCT name) FROM callback_request "
            "WHERE name LIKE 'Belastning %'"
        )).one()  # fmt: skip
    engine.dispose()
    return {"rows": rows, "distinct": distinct}


def load_test(kind: str, count: int, concurrency: int) -> dict:
    """Run one load test on a fresh database of ``kind`` and check what was stored."""
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with database(kind) as url, gunicorn("wsgi:app", load_env(url, smtp_port)) as site:
            outcome = submit_all(site, count, concurrency)
            outcome.update(stored_requests(url))
    finally:
        controller.stop()
    accepted = outcome["statuses"].get(303, 0)
    return {
        "database": kind,
        "count": count,
        "concurrency": concurrency,
        **outcome,
        "mails": sink.received,
        "lost": accepted - outcome["distinct"],
        "duplicated": outcome["rows"] - outcome["distinct"],
        "server_errors": sum(n for status, n in outcome["statuses"].items() if int(status) >= 500),
    }


def run() -> dict:
    """The full load test on SQLite and on PostgreSQL."""
    return {
        "area": "load",
        "command": "make bench BENCH=load",
        "rows": [load_test(kind, COUNT, CONCURRENCY) for kind in ("sqlite", "postgresql")],
        "targets": {"lost": 0, "duplicated": 0, "server_errors": 0},
    }
