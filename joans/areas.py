"""The site's areas by URL, and links that leave the site.

The back office lives under ``/staff``; the rest is the public site. A link that leaves the site
(in an e-mail, a newsletter, the sitemap, a canonical link) is built on ``SITE_URL``, never on
the Host a request came in on, so services and ``flask`` commands build the same links with or
without a request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

STAFF_PREFIX = "/staff"


def is_staff_path(path: str) -> bool:
    """Whether ``path`` is in the back office."""
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


def external_url(endpoint: str, **values: object) -> str:
    """The absolute URL of ``endpoint`` on ``SITE_URL``; needs an app context, not a request."""
    app = current_app
    site = urlsplit(app.config["SITE_URL"])
    adapter = app.url_map.bind(
        site.netloc, script_name=site.path.rstrip("/") or "/", url_scheme=site.scheme
    )
    app.inject_url_defaults(endpoint, values)  # e.g. the language of the current page
    return adapter.build(endpoint, values, force_external=True)
