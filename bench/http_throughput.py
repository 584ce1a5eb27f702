"""Throughput and latency of the public pages under gunicorn, against a bare Flask baseline.

Both servers run with the same gunicorn settings (2 sync workers) on this machine and wrk drives
each URL with 32 connections. Each page is measured right after a fresh baseline measurement, and
its ratio uses that adjacent baseline, so drift in the machine's load during the run cancels out.
"""

from __future__ import annotations

from bench.common import gunicorn, wrk
from bench.databases import database, site_env

PAGES = ["/", "/tjanster", "/om-oss", "/integritetspolicy", "/en/"]
CONNECTIONS = 32
SECONDS = 10
WARM_UP_SECONDS = 2


def measure(url: str) -> dict:
    """Warm the server's caches, then measure."""
    wrk(url, connections=CONNECTIONS, seconds=WARM_UP_SECONDS)
    return wrk(url, connections=CONNECTIONS, seconds=SECONDS)


def run() -> dict:
    """Measure each page right after the baseline."""
    rows = []
    with database("sqlite") as url:
        env = site_env(url)
        with gunicorn("bench.baseline_app:app", {}) as base, gunicorn("wsgi:app", env) as site:
            for page in PAGES:
                baseline = measure(base + "/")
                row = {"page": page, **measure(site + page)}
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
