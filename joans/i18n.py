"""Languages: Swedish at ``/``, English under ``/en/``; each page is one endpoint per language.

A localised view is registered once per language with a ``lang_code`` default, so
``url_for("public.services")`` builds the URL in the language of the current request and
``url_for("public.services", lang_code="en")`` the English one.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, g, request, url_for
from flask_login import current_user

from joans.areas import external_url, is_staff_path

LANGUAGES = {"sv": "Svenska", "en": "English"}
DEFAULT_LANGUAGE = "sv"
ENGLISH_PREFIX = "/en"

# Endpoints of the public pages, in the order they were registered; the sitemap and the tests
# that walk every public page read this list.
PAGES: list[str] = []


def localized_route(bp: Blueprint, paths: dict[str, str], *, page: bool = True, **options):
    """Register a view under one URL per language, e.g. ``{"sv": "/tjanster", ...}``.

    ``page=False`` keeps the view out of the sitemap (form endpoints, thank-you pages).
    """
    if set(paths) != set(LANGUAGES):
        raise ValueError(f"{paths!r} must give a path for each of {sorted(LANGUAGES)}")

    def decorator(view: Callable) -> Callable:
        for lang_code, path in paths.items():
            bp.add_url_rule(path, view_func=view, defaults={"lang_code": lang_code}, **options)
        if page:
            PAGES.append(f"{bp.name}.{view.__name__}")
        return view

    return decorator


def init_app(app: Flask) -> None:
    """Move ``lang_code`` between URLs and ``g`` so views never see it."""
    app.url_value_preprocessor(_pop_lang_code)
    app.url_defaults(_add_lang_code)


def _pop_lang_code(endpoint: str | None, values: dict | None) -> None:
    if values and "lang_code" in values:
        g.lang_code = values.pop("lang_code")


def _add_lang_code(endpoint: str, values: dict) -> None:
    if "lang_code" not in values and current_app.url_map.is_endpoint_expecting(
        endpoint, "lang_code"
    ):
        values["lang_code"] = current_language()


def current_language() -> str:
    """The language of this request: from its route, else from its path, else Swedish.

    Back-office pages speak the language the staff member chose; before login, the browser's.
    """
    if "lang_code" in g:
        return g.lang_code
    if request and is_staff_path(request.path):
        return _staff_language()
    if request and _is_english_path(request.path):
        return "en"
    return DEFAULT_LANGUAGE


def _staff_language() -> str:
    if "staff_language" in g:  # a page about one account, such as its invitation link
        return g.staff_language
    if current_user.is_authenticated:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _is_english_path(path: str) -> bool:
    return path == ENGLISH_PREFIX or path.startswith(ENGLISH_PREFIX + "/")


def alternate_urls(*, external: bool = False) -> dict[str, str]:
    """This page's URL in each language (home pages where the page has no translation).

    ``external`` gives absolute URLs on SITE_URL, for canonical and hreflang links.
    """
    build = external_url if external else url_for
    endpoint = request.endpoint
    if endpoint and "lang_code" in g and request.url_rule.methods & {"GET"}:
        values = dict(request.view_args or {})
        return {code: build(endpoint, **values, lang_code=code) for code in LANGUAGES}
    return {code: build("public.home", lang_code=code) for code in LANGUAGES}
