"""Public pages are rendered once per consent situation and reused with a fresh nonce each time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import template_rendered

from joans.consent.page_cache import PLACEHOLDER
from tests.consent import GA_CONFIG, banner_html, choose
from tests.consent.test_consent_choice import gtag_commands
from tests.core.test_headers import csp_directives

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    """A site with Google Analytics, so pages differ by the visitor's consent."""
    return GA_CONFIG


@pytest.fixture
def app(app):
    """The app with a public page that carries an inline script, as some future page may."""
    from flask import Blueprint, render_template_string

    from joans.consent.page_cache import cached_page
    from joans.i18n import localized_route

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


def analytics_config(response) -> dict:
    """The settings of GA's config command in the page."""
    (config,) = [c[2] for c in gtag_commands(response.text) if c[0] == "config"]
    return config


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
    assert PLACEHOLDER not in second.text


def test_each_consent_situation_gets_its_own_page(app):
    """An undecided visitor sees the banner; one who declined, from the same cache, does not."""
    undecided, declined = app.test_client(), app.test_client()
    assert banner_html(undecided.get("/om-oss").text) is not None
    choose(declined, "decline")
    assert banner_html(declined.get("/om-oss").text) is None
    assert banner_html(undecided.get("/om-oss").text) is not None


def test_visitors_who_accepted_share_the_page_but_not_their_analytics_settings(app, renders):
    """GA's cookie lifetime ends with each visitor's consent, and each response names Google in
    its CSP, even when the page itself comes from the cache."""
    early, late = app.test_client(), app.test_client()
    with time_machine.travel(START, tick=False):
        choose(early, "accept")
    with time_machine.travel(START + timedelta(days=100), tick=False):
        choose(late, "accept")
        early.get("/en/about")
        rendered = len(renders)
        response = late.get("/en/about")
        assert len(renders) == rendered
    assert analytics_config(response)["cookie_expires"] == 365 * 86400
    assert "googletagmanager.com" in " ".join(csp_directives(response)["script-src"])
    with time_machine.travel(START + timedelta(days=100), tick=False):
        assert analytics_config(early.get("/en/about"))["cookie_expires"] == 265 * 86400


def test_the_contact_form_is_cached_with_a_fresh_start_time_that_can_be_sent(app, renders):
    """Each visitor's form carries its own signed start time, and that time is accepted."""
    with time_machine.travel(START, tick=False):
        app.test_client().get("/kontakt")
        rendered = len(renders)
    with time_machine.travel(START + timedelta(seconds=30), tick=False):
        visitor = app.test_client()
        page = visitor.get("/kontakt").text
        assert len(renders) == rendered
    with time_machine.travel(START + timedelta(seconds=31), tick=False):
        started = re.search(r'name="started" type="hidden" value="([^"]+)"', page).group(1)
        assert PLACEHOLDER not in started
        response = visitor.post(
            "/kontakt", data={"name": "Ada", "phone": "070-123 45 67", "started": started}
        )
    # Sent one second after it was shown: too fast for a person, so refused as automated.
    assert response.status_code == 422
    assert "program" in response.text
    with time_machine.travel(START + timedelta(seconds=40), tick=False):
        response = visitor.post(
            "/kontakt", data={"name": "Ada", "phone": "070-123 45 67", "started": started}
        )
    assert response.status_code == 303


def test_a_query_string_bypasses_the_cache(client, renders):
    """Made-up query strings cannot fill the cache; the page is simply rendered."""
    client.get("/?a=1")
    rendered = len(renders)
    client.get("/?a=2")
    assert len(renders) > rendered
