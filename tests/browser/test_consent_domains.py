"""Declining deletes GA's cookies on the host and on the parent domain (CHECKLISTS.md C7).

Cookies on a parent domain need a real host name, so this module runs its own Chromium with
``--host-resolver-rules`` mapping ``joans.test`` and ``www.joans.test`` to the live server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.google import intercept_google, is_google
from tests.consent import CONSENT_COOKIE, GA_CONFIG, GA_COOKIES

HOST_RULES = "--host-resolver-rules=MAP joans.test 127.0.0.1, MAP www.joans.test 127.0.0.1"


@pytest.fixture
def app_config():
    """GA configured for the registrable domain joans.test."""
    return {**GA_CONFIG, "COOKIE_DOMAIN": "joans.test"}


@pytest.fixture(scope="module")
def named_browser(browser):
    """A second Chromium that resolves joans.test and www.joans.test to 127.0.0.1."""
    named = browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, HOST_RULES])
    yield named
    named.close()


@pytest.fixture
def open_site(named_browser, live_server):
    """A fresh context on the live server under a test host name; Google is intercepted."""
    contexts = []

    def open_site(host: str, *, javascript: bool):
        site = f"http://{host}:{urlsplit(live_server).port}"
        context = named_browser.new_context(base_url=site, java_script_enabled=javascript)
        contexts.append(context)
        elsewhere = []
        context.route(
            lambda url: not url.startswith(site) and not is_google(url),
            lambda route: (elsewhere.append(route.request.url), route.abort()),
        )
        google = intercept_google(context)
        return site, context, context.new_page(), google, elsewhere

    yield open_site
    for context in contexts:
        context.close()


def jar(context) -> set[tuple[str, str]]:
    """(name, domain) of every cookie; a leading dot marks a domain cookie."""
    return {(cookie["name"], cookie["domain"]) for cookie in context.cookies()}


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
@pytest.mark.parametrize("host", ["www.joans.test", "joans.test"])
def test_withdrawing_deletes_ga_cookies_on_host_and_parent_domain(open_site, host, javascript):
    """Accept, let GA (and older visits) leave _ga cookies host-only and on .joans.test, then
    withdraw: every one of them is gone; the consent cookie and unrelated cookies stay."""
    site, context, page, google, elsewhere = open_site(host, javascript=javascript)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="Godkänn").click()
    if javascript:
        # The stand-in gtag.js writes GA's cookies where the config says: on .joans.test.
        page.wait_for_function("() => window.fakeGtagRuns === 1")
    context.add_cookies(
        [
            {"name": name, "value": "GA1.1.1.1", "url": f"{site}/"}  # host-only
            for name in (*GA_COOKIES, "_ga_OLDPROPERTY")
        ]
        + [
            {"name": name, "value": "GA1.1.2.2", "domain": ".joans.test", "path": "/"}
            for name in (*GA_COOKIES, "_ga_OLDPROPERTY")
        ]
        + [{"name": "unrelated", "value": "1", "domain": ".joans.test", "path": "/"}]
    )
    before = jar(context)
    for name in (*GA_COOKIES, "_ga_OLDPROPERTY"):
        assert {(name, host), (name, ".joans.test")} <= before, name

    page.goto("/cookies")
    requests_before_withdrawal = len(google)
    assert requests_before_withdrawal == (2 if javascript else 0)  # the home and cookie pages
    with page.expect_navigation():
        page.get_by_role("button", name="Återkalla samtycke").click()

    assert jar(context) == {(CONSENT_COOKIE, host), ("unrelated", ".joans.test")}
    page.goto("/tjanster")
    assert page.locator("script[src*='googletagmanager']").count() == 0
    assert jar(context) == {(CONSENT_COOKIE, host), ("unrelated", ".joans.test")}
    assert len(google) == requests_before_withdrawal
    assert elsewhere == []
