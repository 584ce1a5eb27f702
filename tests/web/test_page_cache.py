"""Public pages are rendered once per consent situation and reused with a fresh nonce each time."""

from __future__ import annotations

import re

import pytest
from flask import template_rendered

from tests.consent import GA_CONFIG, GOOGLE, banner_html, choose


@pytest.fixture
def app_config():
    """A site with Google Analytics, so pages differ by the visitor's consent."""
    return GA_CONFIG


@pytest.fixture
def app(app):
    """The app with a public page that carries an inline script, as some future page may."""
    from flask import Blueprint, render_template_string

    from joans.i18n import localized_route
    from joans.public.page_cache import cached_page

    extra = Blueprint("extra", __name__)

    @localized_route(extra, {"sv": "/med-skript", "en": "/en/with-script"}, page=False)
    @cached_page
    def scripted():
        return render_template_string(
            '{% extends "base.html" %}{% block content %}'
            '<script nonce="{{ csp_nonce() }}">window.x = 1;</script>{% endblock %}'
        )

    app.register_blueprint(extra)
    app.extensions["joans.public_blueprints"] |= {"extra"}
    return app


@pytest.fixture
def renders(app):
    """The names of the templates rendered while the test runs."""
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def nonces(response) -> tuple[str, set[str]]:
    """The nonce in the CSP header, and every nonce attribute in the page."""
    header = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    return header, set(re.findall(r'nonce="([^"]+)"', response.text))


def test_second_visit_is_served_without_rendering_and_with_its_own_nonce(client, renders):
    """Same page, no template rendered the second time, and each nonce matches its own header."""
    first = client.get("/med-skript")
    rendered = len(renders)
    second = client.get("/med-skript")
    assert len(renders) == rendered
    first_header, first_attrs = nonces(first)
    second_header, second_attrs = nonces(second)
    assert first_header != second_header
    assert first_attrs == {first_header}
    assert second_attrs == {second_header}
    assert first.text.replace(first_header, "") == second.text.replace(second_header, "")
    assert "nonce-placeholder" not in second.text


def test_each_consent_situation_gets_its_own_page(app):
    """An undecided visitor sees the banner; one who declined, from the same cache, does not."""
    undecided, declined = app.test_client(), app.test_client()
    assert banner_html(undecided.get("/om-oss").text) is not None
    choose(declined, "decline")
    assert banner_html(declined.get("/om-oss").text) is None
    assert banner_html(undecided.get("/om-oss").text) is not None


def test_visitors_who_accepted_get_a_page_rendered_for_them(client, renders):
    """GA's cookie lifetime depends on the visitor's consent, so their pages are never shared."""
    choose(client, "accept")
    client.get("/en/about")
    rendered = len(renders)
    response = client.get("/en/about")
    assert len(renders) > rendered
    assert GOOGLE.search(response.text)


def test_a_query_string_bypasses_the_cache(client, renders):
    """Made-up query strings cannot fill the cache; the page is simply rendered."""
    client.get("/?a=1")
    rendered = len(renders)
    client.get("/?a=2")
    assert len(renders) > rendered
