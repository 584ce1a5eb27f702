"""A live server in a thread and Debian's Chromium driven by Playwright.

Chromium cannot be downloaded here, so the tests use the system's ``/usr/bin/chromium`` and skip,
saying why, when it is absent; CI sets ``JOANS_REQUIRE_BROWSER=1`` so that a missing browser
fails the run instead.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("JOANS_CHROMIUM", "/usr/bin/chromium")
# Chromium phones home at start-up unless told not to; the machine's closed network refuses it.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BROWSER_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Mark every test in this folder, so `-m "not browser"` leaves them out."""
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session; each test gets fresh contexts (no shared cookies)."""
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("JOANS_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def closing_every_response(app):
    """The app, its responses read and closed before werkzeug writes them.

    werkzeug's development server skips a response's ``close()`` when the browser drops the
    connection first (as Chromium does with a redirect or a page it leaves): the file behind a
    static response would stay open and ``call_on_close`` work (mail sent after the answer) would
    never run. gunicorn, which serves the site, always closes.
    """

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP on a free port, for as long as the test runs."""
    server = make_server("127.0.0.1", 0, closing_every_response(app), threaded=True)
    # shutdown() waits for the serving loop to notice, which polls every 0.5 s by default: that
    # was half a second at the end of every browser test.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@dataclass
class Tab:
    """A page in its own browser context, with what it logged and tried to fetch elsewhere."""

    context: object
    page: object
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)


@pytest.fixture
def open_tab(browser, live_server):
    """Open a fresh browser context on the live server: ``open_tab(javascript=False)``.

    Requests to any other host are recorded and refused, since the network is closed here
    and a page of ours must not depend on another host anyway.
    """
    contexts = []

    def open_tab(*, javascript: bool = True, **options) -> Tab:
        context = browser.new_context(
            base_url=live_server, java_script_enabled=javascript, **options
        )
        contexts.append(context)
        tab = Tab(context=context, page=context.new_page())

        def refuse(route):
            tab.outside_requests.append(route.request.url)
            route.abort()

        context.route(lambda url: not url.startswith(live_server), refuse)
        tab.page.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
        tab.page.on("pageerror", lambda error: tab.console_errors.append(str(error)))
        return tab

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def tab(open_tab):
    """A tab with JavaScript on, at a desktop size."""
    return open_tab()
