"""Throughput and latency of the public pages under gunicorn, against a bare Flask baseline.

Both servers run with the same gunicorn settings (2 sync workers) on this machine and wrk drives
each URL with 32 connections. Each page is measured right after a fresh baseline measurement, and
its ratio uses that adjacent baseline, so drift in the machine's load during the run cancels out.

The site runs as in production, with Google Analytics configured and its mail going to a local
SMTP sink. Pages come from the page cache, with the values each response needs of its own filled
in: a first-time visitor's page with the banner, a page for a visitor who accepted statistics
(GA's settings), the contact form (its signed start time). The last row sends the contact form:
each POST stores a call-back request and mails staff, and is answered with a redirect.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlencode, urlsplit

from aiosmtpd.controller import Controller

from bench.common import free_port, gunicorn, wrk
from bench.databases import database
from bench.load import Sink, form_token, load_env

PAGES = ["/", "/tjanster", "/om-oss", "/integritetspolicy", "/en/"]
ACCEPTED_PAGES = ["/", "/tjanster"]  # measured again as a visitor who accepted statistics
FORM_PAGES = ["/kontakt"]
MEASUREMENT_ID = "G-BENCH12345"
CONNECTIONS = 32
SECONDS = 10
WARM_UP_SECONDS = 2


def measure(url: str, headers: dict[str, str] | None = None, form: str | None = None) -> dict:
    """Warm the server's caches, then measure."""
    wrk(url, connections=CONNECTIONS, seconds=WARM_UP_SECONDS, headers=headers, form=form)
    return wrk(url, connections=CONNECTIONS, seconds=SECONDS, headers=headers, form=form)


def callback_form(base_url: str) -> str:
    """A filled-in call-back form, its start time old enough to be accepted."""
    return urlencode({"name": "Prestanda Test", "phone": "070-123 45 67", "service": "",
                      "website": "", "started": form_token(base_url)})  # fmt: skip


def accepted_cookie(base_url: str) -> str:
    """Press Accept on the running site and return the consent cookie it sets."""
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=30)
    connection.request(
        "POST", "/cookies/val", urlencode({"choice": "accept", "return_to": "/"}),
        {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"},
    )  # fmt: skip
    cookie = connection.getresponse().getheader("Set-Cookie").split(";", 1)[0]
    connection.close()
    return cookie


def run() -> dict:
    """Measure each page right after the baseline."""
    rows = []
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with database("sqlite") as url:
            env = {**load_env(url, smtp.port), "JOANS_GA_MEASUREMENT_ID": MEASUREMENT_ID}
            with gunicorn("bench.baseline_app:app", {}) as base, gunicorn("wsgi:app", env) as site:
                accepted = {"Cookie": accepted_cookie(site)}
                same_site = {"Sec-Fetch-Site": "same-origin"}
                cases = [(page, "first visit", None, None) for page in PAGES]
                cases += [(page, "after Accept", accepted, None) for page in ACCEPTED_PAGES]
                cases += [(page, "form", None, None) for page in FORM_PAGES]
                cases += [("/kontakt", "sends the form (POST)", same_site, callback_form(site))]
                for page, visitor, headers, form in cases:
                    baseline = measure(base + "/")
                    row = {"page": page, "visitor": visitor, **measure(site + page, headers, form)}
                    row["baseline_rps"] = baseline["rps"]
                    row["baseline_p99_us"] = baseline["p99_us"]
                    row["ratio"] = row["rps"] / baseline["rps"]
                    rows.append(row)
    finally:
        smtp.stop()
    return {
        "area": "throughput",
        "command": "make bench BENCH=http_throughput",
        "settings": {"connections": CONNECTIONS, "seconds": SECONDS, "gunicorn_workers": 2},
        "rows": rows,
        "targets": {"ratio": 0.8, "p99_ms": 25},
    }
