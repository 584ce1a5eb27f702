"""Lighthouse on every public page, both languages, mobile and desktop.

Lighthouse comes from npm (``bench/package.json``) and drives Debian's Chromium. Besides the four
category scores, each row gives the bytes a first-time visitor transfers and the number of
requests that go to another host before any cookie choice (the target is zero).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import BENCH, gunicorn
from bench.databases import database, site_env

CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"


def public_urls() -> list[str]:
    """Every public page in both languages, from the app's own page registry."""
    from joans import create_app
    from joans.i18n import LANGUAGES, PAGES

    app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})
    with app.test_request_context():
        from flask import url_for

        return [url_for(page, lang_code=code) for page in PAGES for code in LANGUAGES]


def lighthouse(url: str, form_factor: str, output: Path, attempts: int = 3) -> dict:
    """Run Lighthouse and return its JSON report.

    Chromium occasionally fails to start when the machine is busy; a failed run is retried.
    """
    command = [
        str(BENCH / "node_modules" / ".bin" / "lighthouse"),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--form-factor={form_factor}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    for attempt in range(attempts):
        finished = subprocess.run(  # noqa: S603 - fixed command
            command, check=False, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
        )
        if finished.returncode == 0:
            return json.loads(output.read_text())
        print(f"lighthouse failed on {url} ({form_factor}), attempt {attempt + 1}", flush=True)
    raise RuntimeError(f"lighthouse failed {attempts} times on {url}")


def summarise(report: dict, own_host: str) -> dict:
    """Scores, bytes, and requests to other hosts; failed audits by name so they can be fixed."""
    requests = report["audits"]["network-requests"]["details"]["items"]
    failed = sorted(
        audit_ref["id"]
        for category in CATEGORIES
        for audit_ref in report["categories"][category]["auditRefs"]
        if audit_ref["weight"] > 0
        and report["audits"][audit_ref["id"]].get("score") not in (None, 1)
    )
    return {
        "scores": {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES},
        "transferred_bytes": int(report["audits"]["total-byte-weight"]["numericValue"]),
        "requests": len(requests),
        "third_party_requests": sum(urlsplit(r["url"]).netloc != own_host for r in requests),
        "failed_audits": failed,
    }


def run() -> dict:
    """Serve the site under gunicorn and audit every page in both form factors."""
    rows = []
    with (
        database("sqlite") as url,
        tempfile.TemporaryDirectory() as folder,
        gunicorn("wsgi:app", site_env(url)) as site,
    ):
        own_host = urlsplit(site).netloc
        for path in public_urls():
            for form_factor in ("mobile", "desktop"):
                report = lighthouse(site + path, form_factor, Path(folder) / "report.json")
                rows.append(
                    {"page": path, "form_factor": form_factor, **summarise(report, own_host)}
                )
    return {
        "area": "page_quality",
        "command": "make bench BENCH=lighthouse",
        "lighthouse": "13.5.0",
        "rows": rows,
        "targets": {"score": 100, "home_bytes": 50_000, "third_party_requests": 0},
    }
