"""GA only on public pages: never on error pages or pages outside the public blueprints
(CHECKLISTS.md C11, "Headers")."""

from __future__ import annotations

import pytest
from flask import Blueprint, render_template_string

from joans.i18n import localized_route
from tests.consent import GA_CONFIG, GOOGLE, banner_html, choose

LAYOUT_PAGE = '{% extends "base.html" %}{% block content %}<p>page</p>{% endblock %}'


@pytest.fixture
def app_config():
    """A site with Google Analytics configured."""
    return GA_CONFIG


@pytest.fixture
def app(app):
    """The app with an internal page and failing public pages, all on the public layout."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    # A page outside the public blueprints that extends the public layout by mistake.
    internal = Blueprint("internal", __name__, url_prefix="/internal")

    @internal.get("/")
    def overview():
        return render_template_string(LAYOUT_PAGE)

    # A localised page of the same blueprint: still not public.
    @localized_route(internal, {"sv": "/installningar", "en": "/en/settings"}, page=False)
    def preferences():
        return render_template_string(LAYOUT_PAGE)

    # Public pages that render the layout (and so allow Google's hosts); two of them then fail.
    broken = Blueprint("broken", __name__)

    @localized_route(broken, {"sv": "/hel", "en": "/en/whole"}, page=False)
    def whole():
        return render_template_string(LAYOUT_PAGE)

    @localized_route(broken, {"sv": "/trasig", "en": "/en/broken"}, page=False)
    def page():
        render_template_string(LAYOUT_PAGE)
        raise RuntimeError("failed after rendering")

    @localized_route(broken, {"sv": "/saknas", "en": "/en/gone"}, page=False)
    def gone():
        render_template_string(LAYOUT_PAGE)
        from flask import abort

        abort(404)

    app.register_blueprint(internal)
    app.register_blueprint(broken)
    app.extensions["joans.public_blueprints"] |= {"broken"}
    return app


def carries_google(response) -> bool:
    """Google markup in the page or Google's hosts in its CSP."""
    return bool(
        GOOGLE.search(response.get_data(as_text=True))
        or GOOGLE.search(response.headers["Content-Security-Policy"])
    )


def test_a_page_of_the_failing_blueprint_carries_ga_when_it_succeeds(client):
    """The failing pages are real candidates: their blueprint's working page does carry GA."""
    choose(client, "accept")
    assert carries_google(client.get("/en/whole"))


@pytest.mark.parametrize("url", ["/internal/", "/internal/installningar", "/internal/en/settings"])
def test_pages_outside_the_public_blueprints_never_carry_ga_or_the_banner(client, url):
    """C11: even a page that extends the public layout gets no GA, no banner, no Google CSP."""
    html = client.get(url).get_data(as_text=True)
    assert banner_html(html) is None
    choose(client, "accept")
    response = client.get(url)
    assert response.status_code == 200
    assert not carries_google(response)


@pytest.mark.parametrize(
    ("url", "status"),
    [("/finns-inte", 404), ("/en/missing", 404), ("/trasig", 500), ("/en/gone", 404)],
)
def test_error_pages_never_carry_ga_even_after_accept(client, url, status):
    """An error page has no GA, no banner, and the base CSP, whatever the failed view allowed."""
    choose(client, "accept")
    response = client.get(url)
    assert response.status_code == status
    assert not carries_google(response)
    assert banner_html(response.get_data(as_text=True)) is None


def test_error_pages_show_no_banner_before_a_choice(client):
    """The banner belongs to pages, not to error answers."""
    assert banner_html(client.get("/en/missing").get_data(as_text=True)) is None


@pytest.mark.parametrize(
    ("url", "status"),
    [("/staff/", 200), ("/staff/companies", 200), ("/staff/search", 200), ("/staff/nope", 404)],
)
def test_staff_pages_never_carry_ga_or_the_banner_even_after_accept(
    client, login_as_staff, url, status
):
    """C11: a staff member who accepted statistics on the public site is not tracked at work."""
    choose(client, "accept")
    assert carries_google(client.get("/"))  # the same browser gets GA on public pages
    assert not carries_google(client.get("/staff/login"))
    login_as_staff(client)
    response = client.get(url)
    assert response.status_code == status
    assert not carries_google(response)
    assert banner_html(response.get_data(as_text=True)) is None
