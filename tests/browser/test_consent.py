"""The cookie banner and Google Analytics in a real Chromium (CHECKLISTS.md C1-C14).

Google's hosts are answered by Playwright (``tests/browser/google.py``), so each test sees every
request a visitor's browser would send to Google, and a stand-in gtag.js that writes GA's cookies.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from joans.consent.cookies import site_cookies
from joans.extensions import db
from joans.models import ConsentRecord
from tests.browser.google import intercept_google
from tests.browser.test_public_pages import PHONE, axe_violations
from tests.consent import CONSENT_COOKIE, GA_CONFIG, GA_COOKIES, MEASUREMENT_ID
from tests.public import PUBLIC_PAGES, PUBLIC_URLS

COOKIE_PAGES = PUBLIC_PAGES["consent.settings"]
BANNER_URLS = [url for url in PUBLIC_URLS if url not in COOKIE_PAGES]
GTAG_URL = f"https://www.googletagmanager.com/gtag/js?id={MEASUREMENT_ID}"


@pytest.fixture
def app_config():
    """A site with Google Analytics configured."""
    return GA_CONFIG


@pytest.fixture
def visit(open_tab):
    """Open a tab whose requests to Google are recorded: ``tab, google = visit(**options)``."""

    def visit(**options):
        tab = open_tab(**options)
        return tab, intercept_google(tab.context)

    return visit


def cookie_names(tab) -> set[str]:
    """The names of every cookie in the tab's jar."""
    return {cookie["name"] for cookie in tab.context.cookies()}


def choose_in_banner(page, label: str) -> None:
    """Press a banner button (scripts on) and wait until the choice has been applied: Accept
    reloads the page so GA can start, Decline shows a status message in place."""
    if label in ("Godkänn", "Accept"):
        with page.expect_navigation():
            page.get_by_role("button", name=label).click()
    else:
        page.get_by_role("button", name=label).click()
        page.get_by_role("status").wait_for()


def consent_log(app) -> list[tuple[str, str, str]]:
    """(choice, method, language) of every consent record, oldest first."""
    with app.app_context():
        records = db.session.scalars(db.select(ConsentRecord).order_by(ConsentRecord.id))
        return [(record.choice, record.method, record.language) for record in records]


def visitor_cookie_names(app) -> set[str]:
    """The registry's cookies that a visitor's browser may ever hold."""
    with app.test_request_context():
        return {cookie.name for cookie in site_cookies() if cookie.for_visitors}


# C1, C4: nothing from Google before a choice or after a refusal.


def test_no_request_to_google_and_no_cookie_before_a_choice(visit):
    """On every public page: the banner, no request to Google, no cookie, no console error."""
    tab, google = visit()
    for url in PUBLIC_URLS:
        assert tab.page.goto(url).status == 200
        assert tab.page.locator(".consent-banner").is_visible() is (url in BANNER_URLS)
    assert google == []
    assert tab.outside_requests == []
    assert tab.console_errors == []
    assert tab.context.cookies() == []


def test_after_decline_no_page_asks_google_for_anything(visit, app):
    """Decline applies in place; afterwards no page requests anything from Google."""
    tab, google = visit()
    page = tab.page
    page.goto("/tjanster")
    choose_in_banner(page, "Avböj")
    assert "avböjt statistikcookies" in page.get_by_role("status").inner_text()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "status"
    for url in PUBLIC_URLS:
        page.goto(url)
        assert page.locator(".consent-banner").count() == 0
    assert google == []
    assert cookie_names(tab) == {CONSENT_COOKIE}
    assert consent_log(app) == [("declined", "button", "sv")]


# C5: exactly the gtag request after Accept, with the CSP's nonce.


def test_accept_loads_gtag_once_per_page_with_the_nonce_of_the_csp(visit, app):
    """Accept reloads into a page whose CSP names Google; gtag.js is the one request, it runs,
    carries the response's nonce, and the dataLayer holds the consent commands in order."""
    tab, google = visit()
    page = tab.page
    page.goto("/om-oss")
    with page.expect_response(lambda r: r.request.resource_type == "document") as reloaded:
        page.get_by_role("button", name="Godkänn").click()
    page.wait_for_function("() => window.fakeGtagRuns === 1")
    assert google == [GTAG_URL]
    assert page.url.endswith("/om-oss")
    csp = reloaded.value.headers["content-security-policy"]
    (nonce,) = re.findall(r"'nonce-([^']+)'", csp)
    nonces = page.evaluate("Array.from(document.scripts).filter(s => s.nonce).map(s => s.nonce)")
    assert nonces == [nonce, nonce]
    commands = page.evaluate("window.dataLayer.map(a => Array.from(a)).filter(a => a[0] !== 'js')")
    assert commands == [
        ["consent", "default", {"ad_storage": "denied", "ad_user_data": "denied",
                                "ad_personalization": "denied", "analytics_storage": "denied"}],
        ["consent", "update", {"analytics_storage": "granted"}],
        ["config", MEASUREMENT_ID, {"allow_google_signals": False,
                                    "allow_ad_personalization_signals": False,
                                    "cookie_domain": "none",
                                    "cookie_expires": commands[2][2]["cookie_expires"],
                                    "cookie_flags": "samesite=lax"}],
    ]  # fmt: skip
    assert 364 * 86400 < commands[2][2]["cookie_expires"] <= 365 * 86400
    assert tab.console_errors == []  # no CSP violation
    for count, url in enumerate(PUBLIC_URLS, start=2):
        page.goto(url)
        page.wait_for_function("() => window.fakeGtagRuns === 1")
        assert google == [GTAG_URL] * count
    assert cookie_names(tab) == {CONSENT_COOKIE, *GA_COOKIES}
    assert tab.outside_requests == []
    assert consent_log(app) == [("accepted", "button", "sv")]


def test_withdrawal_stops_every_request_to_google_and_deletes_its_cookies(visit, app):
    """Accept, browse, withdraw on the cookie page: GA's cookies go, Google hears no more."""
    tab, google = visit()
    page = tab.page
    page.goto("/en/")
    choose_in_banner(page, "Accept")
    page.wait_for_function("() => window.fakeGtagRuns === 1")
    assert GA_COOKIES[0] in cookie_names(tab)
    page.get_by_role("link", name="Cookie settings").click()
    page.wait_for_url("**/en/cookies")
    # The cookie page still carries GA until the withdrawal: let its request finish first, so
    # it cannot be counted as one made after withdrawing.
    page.wait_for_function("() => window.fakeGtagRuns === 1")
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw consent").click()
    assert "You declined statistics cookies" in page.locator(".consent-current").inner_text()
    requests_before = len(google)
    for url in PUBLIC_URLS:
        page.goto(url)
    assert len(google) == requests_before
    assert cookie_names(tab) == {CONSENT_COOKIE}
    assert consent_log(app) == [("accepted", "button", "en"), ("withdrawn", "button", "en")]


# C3: everything works with JavaScript off.


def test_without_javascript_the_banner_works_and_the_choice_persists(visit, app):
    """Each button posts a form; the server redirects back; the choice holds on later pages."""
    tab, google = visit(javascript=False)
    page = tab.page
    page.goto("/tjanster")
    assert page.get_by_role("button", name="Godkänn").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Godkänn").click()
    assert page.url.endswith("/tjanster")
    assert page.locator(".consent-banner").count() == 0
    assert cookie_names(tab) == {CONSENT_COOKIE}
    page.goto("/om-oss")
    assert page.locator(".consent-banner").count() == 0
    assert page.locator("script[src*='googletagmanager']").count() == 1  # in the page, not run
    page.goto("/cookies")
    with page.expect_navigation():
        page.get_by_role("button", name="Återkalla samtycke").click()
    assert page.url.endswith("/cookies")
    assert "Du avböjde statistikcookies" in page.locator(".consent-current").inner_text()
    page.goto("/")
    assert page.locator("script[src*='googletagmanager']").count() == 0
    assert page.locator(".consent-banner").count() == 0
    assert google == []
    assert consent_log(app) == [("accepted", "form", "sv"), ("withdrawn", "form", "sv")]


def test_without_javascript_decline_redirects_back_and_sets_only_the_consent_cookie(visit, app):
    """Decline by form: back on the same page, no banner, one cookie."""
    tab, google = visit(javascript=False)
    page = tab.page
    page.goto("/en/about")
    with page.expect_navigation():
        page.get_by_role("button", name="Decline").click()
    assert page.url.endswith("/en/about")
    assert page.locator(".consent-banner").count() == 0
    assert cookie_names(tab) == {CONSENT_COOKIE}
    assert google == []
    assert consent_log(app) == [("declined", "form", "en")]


# C2: two equal buttons in the same view.


def _rgb(color: str) -> tuple[float, ...]:
    return tuple(float(part) for part in re.findall(r"[\d.]+", color)[:3])


def contrast(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio of two computed CSS colours."""

    def luminance(color: str) -> float:
        channels = [c / 255 for c in _rgb(color)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


BUTTON_STYLE = """button => {
  const style = getComputedStyle(button);
  const box = button.getBoundingClientRect();
  return {width: box.width, height: box.height, top: box.top, bottom: box.bottom,
          color: style.color, background: style.backgroundColor, borderColor: style.borderColor,
          fontWeight: style.fontWeight, fontSize: style.fontSize, fontFamily: style.fontFamily};
}"""


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize(
    ("url", "accept", "decline"), [("/", "Godkänn", "Avböj"), ("/en/", "Accept", "Decline")]
)
def test_accept_and_decline_are_equal_and_both_in_the_first_view(
    visit, device, url, accept, decline
):
    """Same size, colours, weight and font; contrast at least 4.5:1; both visible without
    scrolling, on a desktop and on a phone."""
    tab, _ = visit(**(PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 720}}))
    page = tab.page
    page.goto(url)
    first = page.get_by_role("button", name=accept).evaluate(BUTTON_STYLE)
    second = page.get_by_role("button", name=decline).evaluate(BUTTON_STYLE)
    for key in (
        "width",
        "height",
        "color",
        "background",
        "borderColor",
        "fontWeight",
        "fontSize",
        "fontFamily",
    ):
        assert first[key] == second[key], key
    assert contrast(first["color"], first["background"]) >= 4.5
    viewport_height = page.viewport_size["height"]
    for button in (first, second):
        assert button["top"] >= 0
        assert button["bottom"] <= viewport_height
        assert button["height"] >= 24  # WCAG 2.5.8 target size


# C13: keyboard, screen readers, no layout shift, axe.


def test_banner_is_keyboard_operable_with_visible_focus(visit, app):
    """Tab reaches both buttons right after the skip link and the banner's link; focus is
    visible; Enter on Decline applies it and keeps focus in the page."""
    tab, _ = visit()
    page = tab.page
    page.goto("/")
    reached = []
    for _ in range(4):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if reached[-1] in ("Godkänn", "Avböj"):
            outline = page.evaluate(
                "[getComputedStyle(document.activeElement).outlineStyle,"
                " parseFloat(getComputedStyle(document.activeElement).outlineWidth)]"
            )
            assert outline[0] != "none" and outline[1] >= 2
    assert reached == ["Hoppa till innehållet", "Läs mer om cookies", "Godkänn", "Avböj"]
    page.keyboard.press("Enter")
    page.get_by_role("status").wait_for()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "status"
    assert consent_log(app) == [("declined", "button", "sv")]


def test_enter_on_accept_works_without_javascript(visit, app):
    """Keyboard only, scripts off: the form posts and the choice is made."""
    tab, _ = visit(javascript=False)
    page = tab.page
    page.goto("/en/")
    page.get_by_role("button", name="Accept").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert consent_log(app) == [("accepted", "form", "en")]


def test_banner_is_announced_as_a_labelled_region(visit):
    """Screen readers find it as a landmark named by its heading."""
    tab, _ = visit()
    tab.page.goto("/en/")
    region = tab.page.get_by_role("region", name="May we use statistics cookies?")
    assert region.count() == 1
    assert region.get_by_role("button").count() == 2


LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 1000);
})"""


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_banner_is_in_the_first_html_and_shifts_nothing(visit, device):
    """The server sends the banner in the document itself, so nothing moves after load."""
    tab, _ = visit(**(PHONE if device == "phone" else {}))
    page = tab.page
    response = page.goto("/tjanster")
    assert '<section class="consent-banner"' in response.text()
    top_at_load = page.locator(".consent-banner").bounding_box()["y"]
    assert page.evaluate(LAYOUT_SHIFT) == 0
    assert page.locator(".consent-banner").bounding_box()["y"] == top_at_load
    assert (
        page.locator("h1").bounding_box()["y"] > page.locator(".consent-banner").bounding_box()["y"]
    )


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_axe_finds_nothing_with_the_banner_shown(visit, url):
    """axe-core's full rule set passes on every page while the banner is shown."""
    tab, _ = visit()
    assert tab.page.goto(url).status == 200
    assert tab.page.locator(".consent-banner").count() == (0 if url in COOKIE_PAGES else 1)
    assert axe_violations(tab.page) == []


@pytest.mark.parametrize("choice", ["Accept", "Decline"])
def test_axe_finds_nothing_on_the_cookie_page_after_a_choice(visit, choice):
    """The cookie page with a stored choice, and the in-place note after Decline, are clean."""
    tab, _ = visit()
    page = tab.page
    page.goto("/en/about")
    choose_in_banner(page, choice)
    if choice == "Decline":
        assert axe_violations(page) == []
    page.goto("/en/cookies")
    assert axe_violations(page) == []


@pytest.mark.parametrize("url", [*BANNER_URLS[:2], *COOKIE_PAGES])
def test_pages_with_the_banner_fit_a_phone(visit, url):
    """The banner and the cookie table need no sideways scrolling on a 360 px screen."""
    tab, _ = visit(**PHONE)
    tab.page.goto(url)
    assert tab.page.evaluate("document.documentElement.scrollWidth") <= 360


# C14: the jar holds only cookies the registry lists.


@pytest.mark.parametrize("choice", [None, "Godkänn", "Avböj"])
def test_cookie_jar_after_every_public_page_holds_only_registry_cookies(visit, app, choice):
    """No choice: an empty jar. Accepted or declined: only registry cookies meant for visitors."""
    tab, _ = visit()
    page = tab.page
    page.goto("/")
    if choice:
        choose_in_banner(page, choice)
    for url in PUBLIC_URLS:
        page.goto(url)
        if choice == "Godkänn":
            page.wait_for_function("() => window.fakeGtagRuns === 1")
    names = cookie_names(tab)
    assert names <= visitor_cookie_names(app)
    expected = {None: set(), "Godkänn": {CONSENT_COOKIE, *GA_COOKIES}, "Avböj": {CONSENT_COOKIE}}
    assert names == expected[choice]


# C8: expiry and revision, with the server's clock moved.


@pytest.mark.parametrize(("label", "days"), [("Godkänn", 365), ("Avböj", 180)])
def test_a_choice_runs_out_after_its_lifetime_and_the_banner_returns(visit, label, days):
    """Frozen clock: a minute before the end the choice holds; at the end the banner asks again
    and GA stays off, even though the browser still sends the cookie."""
    tab, google = visit()
    page = tab.page
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(start):
        page.goto("/")
        choose_in_banner(page, label)
    with time_machine.travel(start + timedelta(days=days, minutes=-1)):
        page.goto("/om-oss")
        assert page.locator(".consent-banner").count() == 0
    requests_before = len(google)
    with time_machine.travel(start + timedelta(days=days)):
        page.goto("/om-oss")
        assert page.locator(".consent-banner").is_visible()
        assert page.locator("script[src*='googletagmanager']").count() == 0
    assert len(google) == requests_before
    assert CONSENT_COOKIE in cookie_names(tab)


def test_raising_the_revision_asks_again(visit, app):
    """An acceptance under revision 1 stops counting when the setting becomes 2."""
    tab, google = visit()
    page = tab.page
    page.goto("/")
    choose_in_banner(page, "Godkänn")
    page.wait_for_function("() => window.fakeGtagRuns === 1")
    app.config["CONSENT_REVISION"] = 2
    requests_before = len(google)
    page.goto("/tjanster")
    assert page.locator(".consent-banner").is_visible()
    assert len(google) == requests_before
    choose_in_banner(page, "Godkänn")
    page.wait_for_function("() => window.fakeGtagRuns === 1")
    assert len(google) == requests_before + 1


# C10: Global Privacy Control.


def test_gpc_means_a_note_no_cookie_no_google_and_one_log_row_per_visit(visit, app):
    """With Sec-GPC: 1 the banner is a short note; browsing within the site logs nothing more;
    an explicit Accept on the cookie page overrides the signal."""
    tab, google = visit(extra_http_headers={"Sec-GPC": "1"})
    page = tab.page
    page.goto("/")
    note = page.get_by_role("region", name="Cookies")
    assert "Global Privacy Control" in note.inner_text()
    assert page.locator(".consent-banner").count() == 0
    menu = page.get_by_role("navigation", name="Huvudmeny")
    menu.get_by_role("link", name="Tjänster").click()
    page.wait_for_url("**/tjanster")
    menu.get_by_role("link", name="Om oss").click()
    page.wait_for_url("**/om-oss")
    assert tab.context.cookies() == []
    assert google == []
    assert consent_log(app) == [("declined", "gpc", "sv")]
    assert axe_violations(page) == []
    note.get_by_role("link", name="Cookieinställningar").click()
    page.wait_for_url("**/cookies")
    with page.expect_navigation():
        page.get_by_role("button", name="Godkänn statistikcookies").click()
    page.wait_for_function("() => window.fakeGtagRuns === 1")
    assert google == [GTAG_URL]
    assert consent_log(app) == [("declined", "gpc", "sv"), ("accepted", "button", "sv")]
