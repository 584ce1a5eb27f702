"""Accepting, declining and withdrawing (CHECKLISTS.md C3, C5, C7, C8, C9)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from joans.extensions import db
from joans.models import ConsentRecord
from tests.consent import (
    CONSENT_COOKIE,
    GA_CONFIG,
    GA_COOKIES,
    GOOGLE,
    MEASUREMENT_ID,
    banner_html,
    choose,
    set_cookie_headers,
)
from tests.core.test_headers import csp_directives, nonce_of

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    """A site with Google Analytics configured."""
    return GA_CONFIG


def consent_records(app) -> list[ConsentRecord]:
    """Every record in the consent log, oldest first."""
    with app.app_context():
        return db.session.scalars(db.select(ConsentRecord).order_by(ConsentRecord.id)).all()


def has_ga(response) -> bool:
    """True when the page carries the GA snippet."""
    return "googletagmanager.com/gtag/js" in response.get_data(as_text=True)


# C3: works without JavaScript (post/redirect/get), and with our script (JSON in place).


@pytest.mark.parametrize("choice", ["accept", "decline"])
def test_form_post_sets_the_cookie_and_redirects_back_to_the_page(client, choice):
    """Without JavaScript the server answers with Set-Cookie and a 303 to the same page."""
    response = choose(client, choice, return_to="/en/services?x=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/services?x=1"
    assert set_cookie_headers(response, CONSENT_COOKIE)
    assert client.get_cookie(CONSENT_COOKIE) is not None


def test_script_post_gets_json_and_the_same_cookie(client):
    """Our script asks for JSON: no redirect, the choice and a message to show in place."""
    response = choose(client, "decline", script=True)
    assert response.status_code == 200
    assert response.json["choice"] == "declined"
    assert "avböjt statistikcookies" in response.json["message"]
    assert set_cookie_headers(response, CONSENT_COOKIE)


@pytest.mark.parametrize(
    "return_to",
    ["", "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
     "/en/\r\nSet-Cookie: x=1", "tjanster"],
)  # fmt: skip
def test_return_to_outside_the_site_goes_to_the_cookie_page(client, return_to):
    """The choice is saved, but the redirect never leaves this site."""
    response = choose(client, "accept", return_to=return_to)
    assert response.status_code == 303
    assert response.headers["Location"] == "/cookies"
    assert set_cookie_headers(response, CONSENT_COOKIE)


@pytest.mark.parametrize("data", [{}, {"choice": "yes"}, {"choice": "ACCEPT"}])
def test_a_post_without_a_valid_choice_is_400_and_changes_nothing(client, app, data):
    """Only "accept" and "decline" are choices; anything else sets no cookie and logs nothing."""
    response = client.post("/cookies/val", data=data, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers
    assert consent_records(app) == []


def test_a_cross_site_post_is_refused(client, app):
    """Another site cannot accept on the visitor's behalf."""
    response = client.post(
        "/cookies/val", data={"choice": "accept"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers
    assert consent_records(app) == []


def test_choice_endpoint_answers_only_post(client):
    """A GET (a prefetch, a crawler) cannot make a choice."""
    assert client.get("/cookies/val?choice=accept").status_code == 405


# C5: the GA4 snippet after Accept.


def test_after_accept_every_page_carries_the_snippet_with_the_csp_nonce(client):
    """The inline snippet and gtag.js carry this response's nonce; the CSP names Google."""
    choose(client, "accept")
    for url in ("/", "/en/about", "/cookies"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        nonce = nonce_of(response)
        scripts = re.findall(r"<script ([^>]*)>", html)
        google = [attributes for attributes in scripts if "nonce=" in attributes]
        assert len(google) == 2
        assert all(f'nonce="{nonce}"' in attributes for attributes in google)
        assert f'src="https://www.googletagmanager.com/gtag/js?id={MEASUREMENT_ID}"' in html
        directives = csp_directives(response)
        assert "https://*.googletagmanager.com" in directives["script-src"]
        assert "https://*.google-analytics.com" in directives["connect-src"]


def gtag_commands(html: str) -> list[list]:
    """The gtag(...) calls of the inline snippet, parsed as JSON arguments."""
    calls = re.findall(r'^\s*gtag\((".*)\);$', html, re.MULTILINE)
    return [json.loads(f"[{call}]".replace("new Date()", '"new Date()"')) for call in calls]


def test_snippet_denies_everything_by_default_then_grants_analytics_storage_only(client):
    """Consent defaults all denied, an update granting analytics_storage alone, then config
    with Google signals and ad personalisation off."""
    choose(client, "accept")
    commands = gtag_commands(client.get("/").get_data(as_text=True))
    assert commands[0] == [
        "consent",
        "default",
        {
            "ad_storage": "denied",
            "ad_user_data": "denied",
            "ad_personalization": "denied",
            "analytics_storage": "denied",
        },
    ]
    assert commands[1] == ["consent", "update", {"analytics_storage": "granted"}]
    assert commands[2] == ["js", "new Date()"]
    assert commands[3][:2] == ["config", MEASUREMENT_ID]
    config = commands[3][2]
    assert config["allow_google_signals"] is False
    assert config["allow_ad_personalization_signals"] is False
    assert len(commands) == 4


def test_ga_cookies_are_told_to_expire_with_the_consent(client):
    """cookie_expires is the time left on the consent, so GA's cookies never outlive it."""
    with time_machine.travel(START, tick=False):
        choose(client, "accept")
    with time_machine.travel(START + timedelta(days=100), tick=False):
        (config,) = [
            c[2] for c in gtag_commands(client.get("/").get_data(as_text=True)) if c[0] == "config"
        ]
    assert config["cookie_expires"] == 265 * 86400


def test_ga_cookies_go_where_declining_can_expire_them(client, app):
    """Host-only cookies without COOKIE_DOMAIN; on the configured domain with it."""
    choose(client, "accept")
    (config,) = [
        c[2] for c in gtag_commands(client.get("/").get_data(as_text=True)) if c[0] == "config"
    ]
    assert config["cookie_domain"] == "none"
    app.config["COOKIE_DOMAIN"] = "joans.se"
    (config,) = [
        c[2] for c in gtag_commands(client.get("/").get_data(as_text=True)) if c[0] == "config"
    ]
    assert config["cookie_domain"] == "joans.se"


# C7: declining and withdrawing delete GA's cookies.


@pytest.mark.parametrize("first", [None, "accept"], ids=["decline", "withdraw"])
def test_declining_expires_every_ga_cookie_on_host_and_domain(client, app, first):
    """Each _ga/_ga_* cookie the request carries is expired host-only and on COOKIE_DOMAIN."""
    app.config["COOKIE_DOMAIN"] = "joans.se"
    if first:
        choose(client, first)
    for name in (*GA_COOKIES, "_ga_OLDPROPERTY"):
        client.set_cookie(name, "GA1.1.123.456")
    client.set_cookie("unrelated", "1")
    response = choose(client, "decline")
    for name in (*GA_COOKIES, "_ga_OLDPROPERTY"):
        headers = set_cookie_headers(response, name)
        assert len(headers) == 2, name
        assert all("Max-Age=0" in header and "Path=/" in header for header in headers)
        assert ["Domain=joans.se" in header for header in headers] == [False, True]
    assert set_cookie_headers(response, "unrelated") == []
    assert not has_ga(client.get("/"))


def test_declining_without_a_cookie_domain_expires_host_only(client):
    """With no COOKIE_DOMAIN, GA's cookies were host-only, so that is where they go."""
    client.set_cookie("_ga", "GA1.1.1.1")
    headers = set_cookie_headers(choose(client, "decline", script=True), "_ga")
    assert len(headers) == 1
    assert "Domain" not in headers[0]


def test_accepting_leaves_ga_cookies_alone(client):
    """Only a refusal deletes them."""
    client.set_cookie("_ga", "GA1.1.1.1")
    assert set_cookie_headers(choose(client, "accept"), "_ga") == []


def test_after_withdrawal_the_next_page_has_no_ga(client):
    """GA cannot re-create the cookies because its markup is gone."""
    choose(client, "accept")
    assert has_ga(client.get("/"))
    choose(client, "decline")
    response = client.get("/")
    assert not has_ga(response)
    assert not GOOGLE.search(response.headers["Content-Security-Policy"])


# C8: the consent cookie, its lifetime and the revision.


def test_consent_cookie_attributes(client):
    """SameSite=Lax, HttpOnly, Path=/, host-only, Max-Age of the choice's lifetime."""
    (header,) = set_cookie_headers(choose(client, "accept"), CONSENT_COOKIE)
    assert "SameSite=Lax" in header
    assert "HttpOnly" in header
    assert "Path=/" in header
    assert "Domain=" not in header
    assert f"Max-Age={365 * 86400}" in header
    (header,) = set_cookie_headers(choose(client, "decline"), CONSENT_COOKIE)
    assert f"Max-Age={180 * 86400}" in header


def test_production_consent_cookie_is_secure_and_host_prefixed(migrated_database):
    """In production the cookie is Secure with the __Host- prefix."""
    from joans import create_app

    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "a-real-secret",
            "NEWSLETTER_SECRET_KEY": "another-real-secret",
            "DATABASE_URL": migrated_database,
            "SITE_URL": "https://joans.se",
            **GA_CONFIG,
        }
    )
    try:
        response = choose(app.test_client(), "accept")
        (header,) = set_cookie_headers(response, "__Host-joans_consent")
        assert "; Secure" in header
        assert "Domain=" not in header
    finally:
        with app.app_context():
            db.session.execute(db.delete(ConsentRecord))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize(("choice", "days"), [("accept", 365), ("decline", 180)])
def test_choice_is_honoured_for_its_lifetime_then_the_banner_asks_again(client, choice, days):
    """Frozen clock: the day before the end no banner; at the end the banner and no GA."""
    with time_machine.travel(START, tick=False):
        choose(client, choice)
    with time_machine.travel(START + timedelta(days=days) - timedelta(minutes=1), tick=False):
        response = client.get("/")
        assert banner_html(response.get_data(as_text=True)) is None
        assert has_ga(response) is (choice == "accept")
    with time_machine.travel(START + timedelta(days=days), tick=False):
        response = client.get("/")
        assert banner_html(response.get_data(as_text=True)) is not None
        assert not has_ga(response)


def test_lifetimes_are_configurable(client, app):
    """CONSENT_ACCEPTED_DAYS shortens how long an acceptance counts."""
    app.config["CONSENT_ACCEPTED_DAYS"] = 30
    with time_machine.travel(START, tick=False):
        (header,) = set_cookie_headers(choose(client, "accept"), CONSENT_COOKIE)
    assert f"Max-Age={30 * 86400}" in header
    with time_machine.travel(START + timedelta(days=30), tick=False):
        assert not has_ga(client.get("/"))


def test_raising_the_revision_asks_everyone_again(client, app):
    """A choice made under revision 1 is not honoured once the setting says 2."""
    choose(client, "accept")
    assert has_ga(client.get("/"))
    app.config["CONSENT_REVISION"] = 2
    response = client.get("/")
    assert not has_ga(response)
    assert banner_html(response.get_data(as_text=True)) is not None
    choose(client, "accept")
    assert has_ga(client.get("/"))
    assert [record.revision for record in consent_records(app)] == [1, 2]


def test_a_tampered_cookie_counts_as_no_choice(client):
    """Changing one character of the value brings the banner back and GA stays off."""
    choose(client, "accept")
    value = client.get_cookie(CONSENT_COOKIE).value
    # An inner character of the payload: the last one of a base64 segment may be padding bits
    # only, and changing it would leave the decoded bytes, and the signature, as they were.
    client.set_cookie(CONSENT_COOKIE, value[0] + ("x" if value[1] != "x" else "y") + value[2:])
    response = client.get("/")
    assert not has_ga(response)
    assert banner_html(response.get_data(as_text=True)) is not None


# C9: the consent log.


def test_every_choice_appends_a_record_with_method_language_and_revision(client, app):
    """Form accept, script withdrawal, English form decline: one row each, one consent id."""
    with time_machine.travel(START, tick=False):
        choose(client, "accept")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        choose(client, "decline", script=True)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        choose(client, "decline", lang="en")
    records = consent_records(app)
    assert [(r.choice, r.method, r.language, r.revision) for r in records] == [
        ("accepted", "form", "sv", 1),
        ("withdrawn", "button", "sv", 1),
        ("declined", "form", "en", 1),
    ]
    assert len({record.consent_id for record in records}) == 1
    assert [record.recorded_at for record in records] == [
        START,
        START + timedelta(hours=1),
        START + timedelta(hours=2),
    ]


def test_the_cookie_names_the_consent_id_of_the_log(client, app):
    """The consent id in the cookie is the one in the log, so a browser's history can be read."""
    from itsdangerous import URLSafeSerializer

    from joans.consent.choice import SALT

    choose(client, "accept")
    payload = URLSafeSerializer(app.secret_key, salt=SALT).loads(
        client.get_cookie(CONSENT_COOKIE).value
    )
    (record,) = consent_records(app)
    assert payload["id"] == record.consent_id
    assert payload["choice"] == "accepted"
    assert payload["revision"] == 1
    assert payload["time"] == int(record.recorded_at.timestamp())


def test_a_new_browser_gets_a_new_consent_id(client, app):
    """Two visitors' choices are never linked."""
    choose(client, "accept")
    choose(app.test_client(), "accept")
    first, second = consent_records(app)
    assert first.consent_id != second.consent_id


def test_an_expired_choice_starts_a_new_consent_id(client, app):
    """A lapsed consent is not linked to the next one."""
    with time_machine.travel(START, tick=False):
        choose(client, "decline")
    with time_machine.travel(START + timedelta(days=181), tick=False):
        choose(client, "accept")
    first, second = consent_records(app)
    assert first.consent_id != second.consent_id
    assert second.choice == "accepted"
