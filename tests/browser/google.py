"""Google's hosts, intercepted: gtag.js is replaced by a stand-in and every request is recorded.

The network is closed here, and a test must see exactly what a visitor's browser would ask
Google for, so Playwright answers for Google instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit

GOOGLE_HOSTS = ("googletagmanager.com", "google-analytics.com", "analytics.google.com")

# Does what gtag.js does with cookies: writes _ga and _ga_<id> where the config tells it to,
# for as long as it says. It counts its runs so a test can see it executed (CSP allowed it).
FAKE_GTAG = """
window.fakeGtagRuns = (window.fakeGtagRuns || 0) + 1;
(function () {
  var config = window.dataLayer.map(function (a) { return Array.from(a); })
    .filter(function (a) { return a[0] === "config"; })[0];
  var settings = config[2];
  var attributes = "; path=/; max-age=" + settings.cookie_expires +
    (settings.cookie_domain === "none" ? "" : "; domain=" + settings.cookie_domain);
  document.cookie = "_ga=GA1.1.1234567890.1700000000" + attributes;
  document.cookie = "_ga_" + config[1].slice(2) + "=GS1.1.1700000000.1.0.1700000000.0.0.0" +
    attributes;
})();
"""


def is_google(url: str) -> bool:
    """True for any host of Google Analytics or Tag Manager."""
    host = urlsplit(url).hostname or ""
    return any(host == name or host.endswith("." + name) for name in GOOGLE_HOSTS)


def intercept_google(context) -> list[str]:
    """Answer Google's hosts in ``context`` with the stand-in; return the list of requests."""
    requests: list[str] = []

    def answer(route):
        requests.append(route.request.url)
        if urlsplit(route.request.url).path == "/gtag/js":
            route.fulfill(status=200, content_type="text/javascript", body=FAKE_GTAG)
        else:
            route.fulfill(status=204)

    # Registered after the fixture's catch-all refusal, so Playwright asks this one first.
    context.route(is_google, answer)
    return requests
