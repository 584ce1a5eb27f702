"""The contact page and its call-back form, through the test client."""

from __future__ import annotations

import html as html_lib
import re
import time

import pytest
import time_machine
from sqlalchemy import select

from joans.extensions import db
from joans.models import CallbackRequest
from tests.public import PUBLIC_URLS

FORM_URLS = {"sv": "/kontakt", "en": "/en/contact"}
THANKS_URLS = {"sv": "/kontakt/tack", "en": "/en/contact/thank-you"}
VALID = {"name": "Anna Andersson", "phone": "070-123 45 67", "service": "", "website": ""}
AUTOMATED = {
    "sv": "formuläret såg ut att ha skickats av ett program",
    "en": "the form looked as if a program sent it",
}


def started_token(client, url: str = "/kontakt") -> str:
    """The signed time in the form's hidden field, as a browser would get it."""
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="started" type="hidden" value="([^"]+)"', page).group(1)


def send(client, url: str = "/kontakt", *, seconds_later: float = 10, headers=None, **fields):
    """Open the form, wait like a person would, then send ``fields`` over the valid defaults."""
    data = {**VALID, "started": started_token(client, url), **fields}
    with time_machine.travel(time.time() + seconds_later):
        return client.post(url, data=data, headers=headers or {})


def stored(app) -> list[CallbackRequest]:
    with app.app_context():
        return db.session.scalars(select(CallbackRequest)).all()


def page_text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def field_error(response, field: str) -> str | None:
    """The message shown next to ``field``, or None."""
    match = re.search(
        rf'<p class="field-error" id="{field}-error"><span class="visually-hidden">[^<]*</span>'
        r"([^<]*)</p>",
        response.get_data(as_text=True),
    )
    return html_lib.unescape(match.group(1)) if match else None


def input_tag(response, field: str) -> str:
    return re.search(
        rf'<(?:input|select)[^>]* id="{field}"[^>]*>', response.get_data(as_text=True)
    )[0]


# --- A request that gets through ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_valid_request_is_stored_and_redirects_to_the_thank_you_page(app, client, lang):
    """Post/redirect/get: 303 to the thank-you page in the visitor's language."""
    response = send(client, FORM_URLS[lang], service="domains")
    assert response.status_code == 303
    assert response.headers["Location"] == THANKS_URLS[lang]
    (callback,) = stored(app)
    assert (callback.name, callback.phone, callback.service, callback.language) == (
        "Anna Andersson",
        "+46701234567",
        "domains",
        lang,
    )


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("sv", ["Tack, vi ringer dig", "inom en arbetsdag", "efter 30 dagar"]),
        ("en", ["Thank you, we will call you", "within one working day", "after 30 days"]),
    ],
)
def test_thank_you_page_says_when_we_call_and_when_the_data_goes(client, lang, texts):
    """The page promises a call within a working day and deletion after the maximum age."""
    response = client.get(THANKS_URLS[lang])
    assert response.status_code == 200
    for text in texts:
        assert text in page_text(response)


def test_thank_you_page_is_not_indexed_and_not_in_the_sitemap(client):
    """It only makes sense after the form, so search engines are kept away from it."""
    for url in THANKS_URLS.values():
        assert '<meta name="robots" content="noindex">' in client.get(url).get_data(as_text=True)
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/kontakt</loc>" in sitemap
    assert "tack" not in sitemap
    assert "thank-you" not in sitemap


def test_deletion_period_on_the_pages_follows_the_setting(app, client):
    """Change CALLBACK_MAX_AGE_DAYS and the promise next to the button changes with it."""
    app.config["CALLBACK_MAX_AGE_DAYS"] = 14
    assert "after 14 days" in page_text(client.get("/en/contact"))
    assert "efter 14 dagar" in page_text(client.get("/kontakt/tack"))


# --- Validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored_as"),
    [
        ("070-123 45 67", "+46701234567"),
        ("0701234567", "+46701234567"),
        ("  +46 70 123 45 67 ", "+46701234567"),
        ("08-123 456 78", "+46812345678"),
        ("031-123 45 67", "+46311234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (212) 555-0199", "+12125550199"),
        ("+358 40 1234567", "+358401234567"),
        ("0046 70 123 45 67", "+46701234567"),
    ],
)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_swedish_and_international_numbers_are_stored_in_e164(app, client, lang, typed, stored_as):
    """Swedish numbers need no country code; foreign numbers bring theirs."""
    assert send(client, FORM_URLS[lang], phone=typed).status_code == 303
    assert stored(app)[0].phone == stored_as


@pytest.mark.parametrize(
    ("fields", "field", "messages"),
    [
        (
            {"name": ""},
            "name",
            {
                "sv": "Skriv ditt namn, så att vi vet vem vi ska fråga efter.",
                "en": "Enter your name, so we know whom to ask for.",
            },
        ),
        (
            {"name": "   "},
            "name",
            {
                "sv": "Skriv ditt namn, så att vi vet vem vi ska fråga efter.",
                "en": "Enter your name, so we know whom to ask for.",
            },
        ),
        (
            {"name": "A" * 101},
            "name",
            {
                "sv": "Ett namn får vara högst 100 tecken långt.",
                "en": "A name can be at most 100 characters long.",
            },
        ),
        *(
            (
                {"name": name},
                "name",
                {
                    "sv": "Skriv ditt namn på en rad, utan radbrytningar eller andra "
                    "specialtecken.",
                    "en": "Write your name on one line, without line breaks or other special "
                    "characters.",
                },
            )
            for name in ("Anna\nAndersson", "Anna\x00", "Anna\tA", "\u202eannA", "Anna\x7f")
        ),
        (
            {"phone": ""},
            "phone",
            {
                "sv": "Skriv telefonnumret vi ska ringa.",
                "en": "Enter the phone number we should call.",
            },
        ),
        *(
            (
                {"phone": phone},
                "phone",
                {
                    "sv": "Det här är inte ett giltigt telefonnummer. Kontrollera siffrorna.",
                    "en": "This is not a valid phone number. Check the digits.",
                },
            )
            for phone in ("070-123", "0000000000", "+46 70 123 45 67 89 12", "+44 20 7946")
        ),
        (
            {"phone": "ring mig"},
            "phone",
            {
                "sv": "Ange ett telefonnummer, till exempel 070-123 45 67.",
                "en": "Enter a phone number, for example 070-123 45 67.",
            },
        ),
        (
            {"service": "anything else"},
            "service",
            {
                "sv": "Välj ett av alternativen i listan.",
                "en": "Choose one of the options in the list.",
            },
        ),
    ],
)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_invalid_input_is_refused_with_a_translated_message_next_to_the_field(
    app, client, lang, fields, field, messages
):
    """Nothing is stored; the message is by the field, which is marked invalid and points at it."""
    response = send(client, FORM_URLS[lang], **fields)
    assert response.status_code == 422
    assert stored(app) == []
    assert field_error(response, field) == messages[lang]
    tag = input_tag(response, field)
    assert 'aria-invalid="true"' in tag
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error\b', tag)
    assert f'<a href="#{field}">{html_lib.escape(messages[lang])}</a>' in response.get_data(
        as_text=True
    ).replace("&#39;", "'")


def test_a_name_of_exactly_100_characters_with_joiners_and_accents_is_accepted(app, client):
    """The limit is inclusive, and names in any script (with zero-width joiners) get through."""
    name = "Åsa-Märta Ñúñez \u0915\u094d\u200d\u0937 " + "x" * 79
    assert len(name) == 100
    assert send(client, name=name).status_code == 303
    assert stored(app)[0].name == name


def test_a_form_without_the_service_list_counts_as_no_choice(app, client):
    """A client that sends only name and number (no list) is not refused for it."""
    data = {"name": "Bo", "phone": "0701234567", "started": started_token(client)}
    with time_machine.travel(time.time() + 10):
        assert client.post("/kontakt", data=data).status_code == 303
    assert stored(app)[0].service is None


def test_name_is_stored_trimmed(app, client):
    """Spaces around the name are not part of it."""
    send(client, name="   Anna Andersson  ")
    assert stored(app)[0].name == "Anna Andersson"


def test_what_the_visitor_typed_stays_in_the_form(app, client):
    """After an error every field shows exactly what was typed, so nothing has to be retyped."""
    response = send(client, "/en/contact", name="Åsa <Öberg>", phone="070-12", service="email")
    assert response.status_code == 422
    assert 'value="Åsa &lt;Öberg&gt;"' in input_tag(response, "name")
    assert 'value="070-12"' in input_tag(response, "phone")
    assert '<option selected value="email">' in response.get_data(as_text=True)


def test_a_valid_number_stays_as_typed_when_another_field_is_wrong(client):
    """The stored form (+46...) is ours; the visitor keeps seeing their own way of writing it."""
    response = send(client, name="", phone="070-123 45 67")
    assert 'value="070-123 45 67"' in input_tag(response, "phone")


def test_error_page_title_says_there_is_an_error(client):
    """Screen readers read the title first after the page reloads."""
    response = send(client, "/en/contact", name="")
    assert "<title>Error: Contact us – Joans</title>" in response.get_data(as_text=True)


# --- Programs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_filled_honeypot_stores_nothing_and_tells_a_person_what_to_do(app, client, lang):
    """A program that fills in every field is refused; a person reads how to get through."""
    response = send(client, FORM_URLS[lang], website="https://spam.example")
    assert response.status_code == 422
    assert stored(app) == []
    text = page_text(response)
    assert AUTOMATED[lang] in text
    assert "info@joans.se" in text
    # The hidden field comes back empty, so a person whose browser filled it can send again.
    assert 'value=""' in input_tag(response, "website")
    assert 'value="Anna Andersson"' in input_tag(response, "name")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_form_sent_too_fast_stores_nothing_and_can_be_sent_again(app, client, lang):
    """Under CALLBACK_MIN_FILL_SECONDS it is refused; pressing again a moment later works."""
    url = FORM_URLS[lang]
    token = started_token(client, url)
    data = {**VALID, "started": token}
    with time_machine.travel(time.time() + 1):
        response = client.post(url, data=data)
    assert response.status_code == 422
    assert stored(app) == []
    assert AUTOMATED[lang] in page_text(response)
    # The form keeps its original time, so the person's second press is not "too fast" again.
    assert f'value="{token}"' in response.get_data(as_text=True)
    with time_machine.travel(time.time() + 4):
        assert client.post(url, data=data).status_code == 303
    assert len(stored(app)) == 1


def test_minimum_fill_time_is_configurable(app, client):
    """With CALLBACK_MIN_FILL_SECONDS = 20, ten seconds is too fast."""
    app.config["CALLBACK_MIN_FILL_SECONDS"] = 20
    assert send(client, seconds_later=10).status_code == 422
    assert send(client, seconds_later=21).status_code == 303


@pytest.mark.parametrize(
    "started",
    [
        "",
        "1700000000.0",
        "MTc5NTQ4MTIxOS4wMzA1ODE.forged-signature",
        # Signed with another key: a token from another site or an old secret.
        "MTc5NTQ4MTIxOS4wMzA1ODE.EdKdYd57nSzwxfquo9rVS2igkdE",
    ],
)
def test_missing_or_forged_form_time_stores_nothing_and_gets_a_fresh_one(app, client, started):
    """A hand-made timestamp cannot skip the wait; the page hands out a real one to retry with."""
    with time_machine.travel(time.time() + 60):
        response = client.post("/kontakt", data={**VALID, "started": started})
    assert response.status_code == 422
    assert stored(app) == []
    assert AUTOMATED["sv"] in page_text(response)
    fresh = re.search(r'name="started" type="hidden" value="([^"]+)"', page_text(response))[1]
    assert fresh != started
    with time_machine.travel(time.time() + 70):
        assert client.post("/kontakt", data={**VALID, "started": fresh}).status_code == 303


def test_a_form_left_open_for_more_than_twelve_hours_must_be_sent_again(app, client):
    """One signed time cannot be replayed forever."""
    assert send(client, seconds_later=12 * 3600 + 1).status_code == 422
    assert stored(app) == []


def test_the_form_time_is_signed_for_this_form_only(app, client):
    """A value signed by the same key for another purpose is not a form time."""
    from itsdangerous import URLSafeSerializer

    other = URLSafeSerializer(app.secret_key, salt="another-purpose").dumps(time.time() - 60)
    response = client.post("/kontakt", data={**VALID, "started": other})
    assert response.status_code == 422
    assert stored(app) == []


# --- Rate limit, cross-site, cookies -------------------------------------------------------------


@pytest.fixture
def limited_app(app):
    app.config["CALLBACK_RATE_LIMIT"] = "2 per hour"
    return app


@pytest.mark.parametrize(
    ("lang", "heading"), [("sv", "För många förfrågningar"), ("en", "Too many requests")]
)
def test_rate_limit_refuses_further_posts_with_the_translated_429(
    limited_app, client, lang, heading
):
    """After CALLBACK_RATE_LIMIT posts from one address the next gets 429 in its language."""
    url = FORM_URLS[lang]
    assert send(client, url).status_code == 303
    assert send(client, url, name="").status_code == 422  # a failed attempt counts as well
    response = send(client, url)
    assert response.status_code == 429
    assert f"<h1>{heading}</h1>" in response.get_data(as_text=True)
    assert len(stored(limited_app)) == 1
    assert client.get(url).status_code == 200  # reading the page is never limited


def test_rate_limit_is_per_ip_address(limited_app, client):
    """Another visitor is not held back by someone else's posts."""
    for _ in range(2):
        send(client)
    assert send(client).status_code == 429
    other = {"REMOTE_ADDR": "192.0.2.7"}
    data = {**VALID, "started": started_token(client)}
    with time_machine.travel(time.time() + 10):
        assert client.post("/kontakt", data=data, environ_base=other).status_code == 303


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}],
)
def test_cross_site_post_is_refused_and_stores_nothing(app, client, headers):
    """Another site cannot make a visitor's browser submit the form."""
    response = send(client, headers=headers)
    assert response.status_code == 403
    assert stored(app) == []


def test_same_origin_browser_post_is_accepted(app, client):
    """Our own page, as a browser reports it, gets through."""
    headers = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    assert send(client, headers=headers).status_code == 303


def test_no_step_of_the_form_sets_a_cookie(client):
    """The page, a refused post, an accepted post and the thank-you page: no Set-Cookie."""
    responses = [
        client.get("/kontakt"),
        send(client, name=""),
        send(client, website="x"),
        send(client),
        client.get("/kontakt/tack"),
    ]
    assert [r.status_code for r in responses] == [200, 422, 422, 303, 200]
    for response in responses:
        assert "Set-Cookie" not in response.headers


# --- Links to the form ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*PUBLIC_URLS, *THANKS_URLS.values()])
def test_every_public_page_links_to_the_contact_form_in_the_main_menu(client, url):
    """The main navigation has "Kontakt" / "Contact", in the page's language."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    nav = re.search(r'<nav class="site-nav".*?</nav>', page, re.DOTALL)[0]
    english = url.startswith("/en/")
    expected = '/en/contact"' if english else '/kontakt"'
    assert re.search(rf'<a href="{expected}[^>]*>{"Contact" if english else "Kontakt"}</a>', nav)


@pytest.mark.parametrize(
    ("url", "label"), [("/", "Be oss ringa upp"), ("/en/", "Ask us to call you")]
)
def test_home_page_invites_visitors_to_ask_for_a_call(client, url, label):
    """A call to action on the home page leads to the form."""
    page = client.get(url).get_data(as_text=True)
    target = "/en/contact" if url == "/en/" else "/kontakt"
    assert f'href="{target}">{label}</a>' in page


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_form_says_next_to_the_button_what_happens_to_the_data(client, lang):
    """The sentence by the button names the use, the deletion and links to the policy."""
    page = client.get(FORM_URLS[lang]).get_data(as_text=True)
    privacy_url = {"sv": "/integritetspolicy", "en": "/en/privacy"}[lang]
    note = re.search(r'<p class="form-privacy" id="callback-privacy">(.*?)</p>', page, re.DOTALL)[1]
    assert f'<a href="{privacy_url}">' in note
    assert ("30 dagar" if lang == "sv" else "30 days") in note
    assert 'aria-describedby="callback-privacy"' in page


def test_contact_page_shows_the_company_details(app, client):
    """E-mail always; phone and address when configured."""
    app.config.update(
        COMPANY_PHONE="08-123 456 78", COMPANY_ADDRESS="Storgatan 1, 111 22 Stockholm"
    )
    page = page_text(client.get("/kontakt"))
    section = re.search(r'<section class="contact-details".*?</section>', page, re.DOTALL)[0]
    assert 'href="mailto:info@joans.se"' in section
    assert 'href="tel:08-12345678"' in section
    assert "Storgatan 1, 111 22 Stockholm" in section


def test_service_is_a_choice_not_free_text(client):
    """The policy promises name and number: the only other thing asked is one of four services."""
    page = client.get("/en/contact").get_data(as_text=True)
    select_tag = re.search(r'<select[^>]*id="service".*?</select>', page, re.DOTALL)[0]
    values = re.findall(r'<option[^>]*value="([^"]*)"', select_tag)
    assert values == ["", "websites", "hosting", "email", "domains"]
    inputs = re.findall(r'<input[^>]*name="([^"]+)"', page)
    assert sorted(inputs) == ["name", "phone", "started", "website"]
    assert "<textarea" not in page
