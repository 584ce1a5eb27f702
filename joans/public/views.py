"""Public pages, robots.txt, the sitemap and the favicon."""

from flask import Blueprint, current_app, render_template, send_from_directory

from joans.areas import external_url
from joans.consent.page_cache import cached_page
from joans.i18n import LANGUAGES, PAGES, localized_route
from joans.privacy.records import public_activities

bp = Blueprint("public", __name__)


@localized_route(bp, {"sv": "/", "en": "/en/"})
@cached_page
def home():
    """The home page: what Joans does, in one screen."""
    return render_template("public/home.html")


@localized_route(bp, {"sv": "/tjanster", "en": "/en/services"})
@cached_page
def services():
    """Websites, hosting, e-mail and domain registration."""
    return render_template("public/services.html")


@localized_route(bp, {"sv": "/om-oss", "en": "/en/about"})
@cached_page
def about():
    """Who we are and how we work."""
    return render_template("public/about.html")


@localized_route(bp, {"sv": "/integritetspolicy", "en": "/en/privacy"})
@cached_page
def privacy():
    """The privacy policy, with the table of what we keep generated from the code."""
    return render_template("public/privacy.html", activities=public_activities())


@bp.get("/robots.txt")
def robots():
    """Let every crawler in and point it at the sitemap."""
    body = f"User-agent: *\nAllow: /\n\nSitemap: {external_url('public.sitemap')}\n"
    return body, 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/sitemap.xml")
def sitemap():
    """Every public page in both languages, each with its alternates."""
    pages = [
        {code: external_url(endpoint, lang_code=code) for code in LANGUAGES} for endpoint in PAGES
    ]
    body = render_template("public/sitemap.xml", pages=pages)
    return body, 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links to."""
    return send_from_directory(
        current_app.static_folder, "img/favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
