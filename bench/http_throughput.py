"""Throughput and latency of the public pages under gunicorn, against a bare Flask baseline.

Both servers run with the same gunicorn settings (2 sync workers) on this machine and wrk drives
each URL with 32 connections. Each page is measured right after a fresh baseline measurement, and
its ratio uses that adjacent baseline, so drift in the machine's load during the run cancels out.

The site runs as in production, with Google Analytics configured: a first-time visitor gets the
banner, from the page cache. The last rows are visitors who accepted statistics, whose pages are
rendered for them every time, and the contact form, which is rendered for each visitor too.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlencode, urlsplit

from bench.common import gunicorn, wrk
from bench.databases import database, site_env

PAGES = ["/", "/tjanster", "/om-oss", "/integritetspolicy", "/en/"]
RENDERED_PAGES = ["/", "/tjanster"]  # measured again as a visitor who accepted statistics
FORM_PAGES = ["/kontakt"]
MEASUREMENT_ID = "G-BENCH12345"
CONNECTIONS = 32
SECONDS = 10
WARM_UP_SECONDS = 2


def measure(url: str, headers: dict[str, str] | None = None) -> dict:
    """Warm the server's caches, then measure."""
    wrk(url, connections=CONNECTIONS, seconds=WARM_UP_SECONDS, headers=headers)
    return wrk(url, connections=CONNECTIONS, seconds=SECONDS, headers=headers)


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
    with database("sqlite") as url:
        env = {**site_env(url), "JOANS_GA_MEASUREMENT_ID": MEASUREMENT_ID}
        with gunicorn("bench.baseline_app:app", {}) as base, gunicorn("wsgi:app", env) as site:
            accepted = {"Cookie": accepted_cookie(site)}
            cases = [(page, "first visit, cached", None) for page in PAGES]
            cases += [(page, "after Accept, rendered", accepted) for page in RENDERED_PAGES]
            cases += [(page, "form, rendered", None) for page in FORM_PAGES]
            for page, visitor, headers in cases:
                baseline = measure(base + "/")
                row = {"page": page, "visitor": visitor, **measure(site + page, headers)}
                row["baseline_rps"] = baseline["rps"]
                row["ratio"] = row["rps"] / baseline["rps"]
                rows.append(row)
    return {
        "area": "throughput",
        "command": "make bench BENCH=http_throughput",
        "settings": {"connections": CONNECTIONS, "seconds": SECONDS, "gunicorn_workers": 2},
        "rows": rows,
        "targets": {"ratio": 0.8, "p99_ms": 25},
    }
