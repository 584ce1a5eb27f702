"""What a newsletter looks like when a real SMTP server receives it (CHECKLISTS N1, N5, N9)."""

from __future__ import annotations

import base64
import re
from email.utils import parseaddr

import pytest

from joans.extensions import db
from joans.models.newsletter import OutboxMessage
from joans.newsletter.subscriptions import read_unsubscribe_token
from tests.newsletter import (
    SITE_URL,
    add_subscriber,
    newsletter_config,
    queue,
    send_outbox,
    subscription_status,
    write_newsletter,
)

ENGLISH = {"subject_en": "News from Joans", "body_en": "Hello!\n\nWe have **new hosting**."}


@pytest.fixture
def app_config(smtp_server):
    return newsletter_config(smtp_server)


@pytest.fixture
def delivered(app, smtp_server):
    """One Swedish and one English subscriber, one campaign in both languages, sent."""
    with app.app_context():
        _, swedish = add_subscriber("anna@example.se", language="sv", order_id=11)
        _, english = add_subscriber("bob@example.com", language="en", order_id=12)
        newsletter_id = write_newsletter(**ENGLISH)
        queue(newsletter_id)
    report = send_outbox(app)
    assert report.sent == 2
    by_address = dict(zip(smtp_server.recipients(), smtp_server.messages, strict=True))
    raw = dict(zip(smtp_server.recipients(), smtp_server.raw, strict=True))
    return {
        "sv": (by_address["anna@example.se"], raw["anna@example.se"], swedish),
        "en": (by_address["bob@example.com"], raw["bob@example.com"], english),
        "newsletter_id": newsletter_id,
    }


def raw_headers(raw: bytes) -> list[tuple[str, str]]:
    """The header fields exactly as sent, unfolded: (name, value) in order."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    unfolded = re.sub(r"\r\n[ \t]+", " ", head)
    return [tuple(part.strip() for part in line.split(":", 1)) for line in unfolded.split("\r\n")]


def values_of(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name.lower()]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_newsletter_has_one_list_unsubscribe_with_one_https_uri_and_a_mailto(
    delivered, language
):
    """N1: one List-Unsubscribe, one https URI then a mailto:, one One-Click post header."""
    _, raw, _ = delivered[language]
    headers = raw_headers(raw)
    (list_unsubscribe,) = values_of(headers, "List-Unsubscribe")
    uris = re.findall(r"<([^>]*)>", list_unsubscribe)
    assert [uri.split(":", 1)[0] for uri in uris] == ["https", "mailto"]
    assert uris[1] == "mailto:info@joans.se?subject=unsubscribe"
    assert values_of(headers, "List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"]
    assert values_of(headers, "List-Id") == ["Joans newsletter <nyhetsbrev.joans.se>"]


def test_header_section_is_pure_ascii(delivered):
    """N1: header values are ASCII; a Swedish subject travels as an RFC 2047 encoded word."""
    message, raw, _ = delivered["sv"]
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    assert message["Subject"] == "Nyheter från Joans"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_https_uri_identifies_the_recipient_by_a_signed_token_without_the_address(
    app, delivered, language
):
    """N2: the URI alone names list and subscription; no e-mail address can be read in it."""
    message, _, subscription_id = delivered[language]
    url = re.search(r"<(https://[^>]*)>", message["List-Unsubscribe"]).group(1)
    prefix = (
        f"{SITE_URL}/nyhetsbrev/avregistrera/"
        if language == "sv"
        else (f"{SITE_URL}/en/newsletter/unsubscribe/")
    )
    assert url.startswith(prefix)
    token = url.removeprefix(prefix)
    with app.app_context():
        assert read_unsubscribe_token(token).subscription_id == subscription_id
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==")
    assert b"@" not in payload and b"example" not in payload


def test_the_link_in_the_header_unsubscribes_with_a_one_click_post(app, delivered):
    """The URI a mail provider takes from the header works as RFC 8058 says."""
    message, _, subscription_id = delivered["sv"]
    url = re.search(r"<(https://[^>]*)>", message["List-Unsubscribe"]).group(1)
    response = app.test_client().post(
        url.removeprefix(SITE_URL), data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    with app.app_context():
        assert subscription_status(subscription_id) == "unsubscribed"


@pytest.mark.parametrize(
    ("language", "unsubscribe", "stop"),
    [
        ("sv", "Avregistrera dig med ett klick", "svara på det här mejlet med ordet ”stopp”"),
        ("en", "Unsubscribe with one click", "reply to this e-mail with the word “stop”"),
    ],
)
def test_body_shows_the_unsubscribe_link_and_says_replying_stop_works(
    delivered, language, unsubscribe, stop
):
    """N5: both parts carry a visible unsubscribe link and the "reply stop" line."""
    message, _, _ = delivered[language]
    url = re.search(r"<(https://[^>]*)>", message["List-Unsubscribe"]).group(1)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert url in text
    assert f'<a href="{url}">{unsubscribe}</a>' in html
    assert stop in text
    assert stop in html


def test_each_recipient_gets_their_language(delivered):
    """Subject and text come in the language of the recipient's order."""
    swedish, _, _ = delivered["sv"]
    english, _, _ = delivered["en"]
    assert swedish["Subject"] == "Nyheter från Joans"
    assert "Vi har <strong>nya webbhotell</strong>." in swedish.get_body(("html",)).get_content()
    assert english["Subject"] == "News from Joans"
    assert "We have <strong>new hosting</strong>." in english.get_body(("html",)).get_content()
    assert "Vi har **nya webbhotell**. Läs mer (https://joans.se/tjanster)" in (
        swedish.get_body(("plain",)).get_content()
    )


def test_newsletters_come_from_the_newsletter_address_not_the_transactional_one(app, delivered):
    """N9: From is NEWSLETTER_SENDER, which differs from MAIL_DEFAULT_SENDER."""
    message, _, _ = delivered["sv"]
    assert str(message["From"]) == "Joans nyhetsbrev <nyhetsbrev@joans.se>"
    assert parseaddr(app.config["MAIL_DEFAULT_SENDER"])[1] != "nyhetsbrev@joans.se"
    assert str(message["Reply-To"]) == "info@joans.se"


def test_message_id_is_stable_for_its_outbox_row(app, delivered):
    """A stable Message-ID per row: it names the campaign and the row, under our domain."""
    message, _, subscription_id = delivered["sv"]
    with app.app_context():
        row = db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.subscription_id == subscription_id)
        ).one()
    assert re.fullmatch(
        rf"<newsletter\.{delivered['newsletter_id']}\.\d+\.{row.id}@joans\.se>",
        message["Message-ID"],
    )


def test_the_html_part_is_sanitised_markdown(app, smtp_server):
    """Markdown becomes HTML, and anything else a body could smuggle in is removed."""
    with app.app_context():
        add_subscriber("anna@example.se")
        body = (
            "# Rubrik\n\n<script>alert(1)</script>\n\n[klicka](javascript:alert(1)) "
            '[bra](https://joans.se "Joans") ![spår](https://tracker.example/p.gif)'
        )
        queue(write_newsletter(body_sv=body))
    send_outbox(app)
    html = smtp_server.messages[0].get_body(("html",)).get_content()
    assert "<h1>Rubrik</h1>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://joans.se" title="Joans" rel="noopener noreferrer">bra</a>' in html
    assert "<img" not in html
