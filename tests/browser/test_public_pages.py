"""The public pages in a real Chromium: clean console, working switcher, accessible, phone-sized."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.public import PUBLIC_PAGES, PUBLIC_URLS

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page, as readable lines."""
    results = Axe().run(page)
    return [
        f"{violation['id']}: {node['target']}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_page_renders_without_console_errors_or_outside_requests(tab, url):
    """No CSP violation, no script error, nothing fetched from another host."""
    response = tab.page.goto(url)
    assert response.status == 200
    assert tab.console_errors == []
    assert tab.outside_requests == []


@pytest.mark.parametrize(
    ("url", "status"),
    [*((url, 200) for url in PUBLIC_URLS), ("/finns-inte", 404), ("/en/missing", 404)],
)
def test_axe_finds_no_accessibility_violations(tab, url, status):
    """axe-core's full rule set, including best practices, passes on every page."""
    assert tab.page.goto(url).status == status
    assert axe_violations(tab.page) == []


@pytest.mark.parametrize(("sv_url", "en_url"), PUBLIC_PAGES.values())
def test_language_switcher_keeps_the_visitor_on_the_same_page(tab, sv_url, en_url):
    """From any Swedish page "English" opens the same page in English, and back."""
    page = tab.page
    page.goto(sv_url)
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"**{en_url}")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Svenska").click()
    page.wait_for_url(f"**{sv_url}")
    assert page.locator("html").get_attribute("lang") == "sv"


def test_skip_link_is_the_first_tab_stop_and_focus_is_visible(tab):
    """Keyboard users can jump past the header, and always see where focus is."""
    page = tab.page
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hoppa till innehållet"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_menu_is_reachable_by_keyboard_without_javascript(open_tab):
    """The menu is plain links: with scripts off, Tab reaches each of them."""
    page = open_tab(javascript=False).page
    page.goto("/")
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert {"Tjänster", "Om oss", "English"} <= set(reached)


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_page_fits_a_phone_screen(open_tab, url):
    """Nothing is wider than a 360 px screen, so there is no sideways scrolling."""
    page = open_tab(**PHONE).page
    assert page.goto(url).status == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator(".site-nav").is_visible()
