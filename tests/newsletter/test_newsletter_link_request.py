"""Asking for an unsubscribe link without a newsletter at hand: same answer for every address."""

from __future__ import annotations

import re

import pytest

from tests.newsletter import SITE_URL, add_subscriber, newsletter_config, subscription_status

FORM = "/nyhetsbrev/avregistrera"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def app_config(smtp_server):
    return newsletter_config(smtp_server)


@pytest.fixture
def subscriber(app):
    with app.app_context():
        return add_subscriber("anna@example.se")[1]


def ask(client, email: str, url: str = FORM):
    """Send the form as a browser would; the link is mailed once the response is closed."""
    return client.post(url, data={"email": email}, headers=SAME_ORIGIN, buffered=True)


def test_a_subscribed_address_gets_a_working_link_by_transactional_mail(
    app, client, smtp_server, subscriber
):
    """The link arrives from the ordinary sender, without List-Unsubscribe (N9), and works."""
    response = ask(client, "Anna@Example.se ")
    assert response.status_code == 303
    assert response.headers["Location"] == "/nyhetsbrev/lank-skickad"
    (message,) = smtp_server.messages
    assert message["To"] == "anna@example.se"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert message["Subject"] == "Din länk för att avregistrera dig från vårt nyhetsbrev"
    url = re.search(
        rf"{SITE_URL}(/nyhetsbrev/avregistrera/\S+)", message.get_body(("plain",)).get_content()
    ).group(1)
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context():
        assert subscription_status(subscriber) == "unsubscribed"


@pytest.mark.parametrize("address", ["nobody@example.se", "objector@example.se"])
def test_an_address_not_on_the_list_gets_the_same_answer_and_no_mail(
    app, client, smtp_server, subscriber, address
):
    """Nobody learns from the answer whether an address is a customer's."""
    with app.app_context():
        add_subscriber("objector@example.se", objected=True, order_id=2)
    known = ask(client, "anna@example.se")
    unknown = ask(client, address)
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert smtp_server.recipients() == ["anna@example.se"]


def test_the_answer_page_says_the_same_to_everyone(client):
    """The page after the form: check your inbox, if the address is on the list."""
    html = client.get("/nyhetsbrev/lank-skickad").text
    assert "<h1>Titta i din inkorg</h1>" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_english_form_mails_in_english(client, smtp_server, subscriber):
    """The language of the page is the language of the mail and of the link."""
    ask(client, "anna@example.se", url="/en/newsletter/unsubscribe")
    (message,) = smtp_server.messages
    assert message["Subject"] == "Your link to unsubscribe from our newsletter"
    assert f"{SITE_URL}/en/newsletter/unsubscribe/" in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("", "Skriv e-postadressen som får vårt nyhetsbrev."),
        ("anna@", "Skriv en e-postadress, till exempel namn@exempel.se."),
        ("a" * 250 + "@example.se", "En e-postadress har högst 254 tecken."),
    ],
)
def test_a_bad_address_gets_a_message_next_to_the_field_and_keeps_what_was_typed(
    client, smtp_server, email, error
):
    """Bad input: 422, the error beside the field and in the summary, the text kept."""
    response = ask(client, email)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count(error) == 2
    assert not email or f'value="{email}"' in html
    assert smtp_server.messages == []


def test_requests_are_rate_limited_per_client_address(app, client, smtp_server, subscriber):
    """NEWSLETTER_LINK_RATE_LIMIT: beyond it the visitor gets the translated 429 page."""
    app.config["NEWSLETTER_LINK_RATE_LIMIT"] = "2 per hour"
    assert ask(client, "nobody1@example.se").status_code == 303
    assert ask(client, "nobody2@example.se").status_code == 303
    response = ask(client, "anna@example.se")
    assert response.status_code == 429
    assert "För många förfrågningar" in response.get_data(as_text=True)
    assert smtp_server.messages == []


def test_one_address_gets_at_most_a_few_links_a_day(app, client, smtp_server, subscriber):
    """NEWSLETTER_LINK_PER_ADDRESS_LIMIT: nobody's inbox can be flooded through the form."""
    for _ in range(5):
        assert ask(client, "anna@example.se").status_code == 303
    assert len(smtp_server.messages) == 3


def test_the_form_refuses_posts_from_other_sites(client, smtp_server, subscriber):
    """Unlike the one-click URL, this form keeps the app-wide cross-site check."""
    response = client.post(
        FORM, data={"email": "anna@example.se"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    assert smtp_server.messages == []


def test_the_form_sets_no_cookie(client, subscriber):
    """The public site sets no cookie, and this form is no exception."""
    for response in (client.get(FORM), ask(client, "anna@example.se")):
        assert "Set-Cookie" not in response.headers
