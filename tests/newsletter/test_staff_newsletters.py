"""Staff write, preview, test and send newsletters, follow progress, record objections (N8, N10)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from joans.extensions import db
from joans.models import AuditEvent, Newsletter
from joans.newsletter.subscriptions import is_suppressed
from tests.newsletter import (
    SITE_URL,
    add_subscriber,
    newsletter_config,
    outbox_statuses,
    send_outbox,
    subscription_status,
    write_newsletter,
)

DRAFT = {
    "subject_sv": "Höstens nyheter",
    "body_sv": "Hej!\n\n**Nytt**: e-post med [egen domän](https://joans.se/tjanster).",
    "subject_en": "Autumn news",
    "body_en": "Hello!\n\n**New**: e-mail on your own domain.",
}


@pytest.fixture
def app_config(smtp_server):
    return newsletter_config(smtp_server)


@pytest.fixture
def staff(client, login_as_staff):
    """A logged-in staff member."""
    return login_as_staff(client)


@pytest.fixture
def subscribers(app):
    """Two Swedish and one English subscriber, and a contact who objected at the order.

    Returns {address: (contact id, subscription id)}.
    """
    with app.app_context():
        return {
            "anna@example.se": add_subscriber("anna@example.se", order_id=1),
            "bo@example.se": add_subscriber("bo@example.se", order_id=2),
            "chris@example.com": add_subscriber("chris@example.com", language="en", order_id=3),
            "nej@example.se": add_subscriber("nej@example.se", objected=True, order_id=4),
        }


def newsletter_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Newsletter.id))


def test_writing_a_draft_in_both_languages(app, client, staff, staff_post):
    """The form saves a draft and leads to its page, which offers previews in both languages."""
    response = staff_post(client, "/staff/newsletters/new", DRAFT)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "Utkastet är sparat." in page
    assert "<h1>Höstens nyheter</h1>" in page
    assert "Förhandsvisning på Svenska" in page and "Förhandsvisning på English" in page
    with app.app_context():
        newsletter = db.session.scalars(select(Newsletter)).one()
        assert newsletter.languages == ("sv", "en")
        assert newsletter.created_by_id == staff.id


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"subject_sv": ""}, "subject_sv", "Skriv ett ämne."),
        ({"body_sv": ""}, "body_sv", "Skriv nyhetsbrevets text."),
        (
            {"body_en": ""},
            "body_en",
            "Skriv både det engelska ämnet och den engelska texten, eller ingetdera.",
        ),
        (
            {"subject_en": ""},
            "subject_en",
            "Skriv både det engelska ämnet och den engelska texten, eller ingetdera.",
        ),
        ({"subject_sv": "x" * 201}, "subject_sv", "Högst 200 tecken."),
    ],
)
def test_a_draft_with_a_mistake_shows_it_beside_the_field_and_keeps_the_text(
    app, client, staff, staff_post, fields, field, message
):
    """Bad input: a translated message next to the field, nothing lost, nothing saved."""
    response = staff_post(client, "/staff/newsletters/new", {**DRAFT, **fields})
    assert response.status_code == 200
    html = response.text
    assert re.search(rf'<p class="field-error" id="{field}-error">{re.escape(message)}</p>', html)
    for name, typed in DRAFT.items():
        assert name in fields or typed in html, f"{name} was lost"
    with app.app_context():
        assert db.session.scalars(select(Newsletter)).all() == []


def test_the_preview_shows_the_mail_as_a_recipient_will_see_it(app, client, staff):
    """Sender, subject, sanitised HTML, the plain text, and a link that unsubscribes nobody."""
    with app.app_context():
        draft = write_newsletter(body_sv="Hej <script>x</script> **där**")
    html = client.get(f"/staff/newsletters/{draft}/preview/sv").text
    assert "Joans nyhetsbrev &lt;nyhetsbrev@joans.se&gt;" in html
    assert "Hej &lt;script&gt;x&lt;/script&gt; <strong>där</strong>" in html
    assert "Hej &lt;script&gt;x&lt;/script&gt; **där**" in html  # the plain-text part
    assert "Avregistrera dig med ett klick" in html
    link = re.search(r'href="https://joans\.se(/nyhetsbrev/avregistrera/[^"]+)"', html).group(1)
    assert "nyhetsbrevstest" in client.get(link).text
    assert client.get(f"/staff/newsletters/{draft}/preview/en").status_code == 404


def test_a_test_send_goes_to_the_staff_member_only_and_its_link_unsubscribes_nobody(
    app, client, staff, staff_post, smtp_server, subscribers
):
    """Each language version to yourself, marked TEST, with a harmless unsubscribe link."""
    with app.app_context():
        draft = write_newsletter(**{k: v for k, v in DRAFT.items() if k.endswith("en")})
    response = staff_post(client, f"/staff/newsletters/{draft}/test")
    assert response.status_code == 302
    assert f"Ett testmejl är på väg till {staff.email}." in client.get(response.location).text
    assert smtp_server.recipients() == [staff.email, staff.email]
    swedish, english = smtp_server.messages
    assert swedish.get_body(("plain",)).get_content().startswith("TEST: så här kommer")
    assert english["Subject"] == "Autumn news"
    url = re.search(r"<(https://[^>]*)>", swedish["List-Unsubscribe"]).group(1)
    response = client.post(url.removeprefix(SITE_URL), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Test: ingen har avregistrerats" in response.text
    with app.app_context():
        assert outbox_statuses() == {}
        assert not is_suppressed(staff.email)
        statuses = {subscription_status(ids[1]) for ids in subscribers.values()}
        assert statuses == {"subscribed", "objected"}


def test_a_refused_test_send_is_reported_with_the_servers_code(
    app, client, staff, staff_post, smtp_server
):
    """The mail server's refusal is shown to the staff member, not a server error."""
    smtp_server.refuse[staff.email] = "550 5.1.1 No such user"
    with app.app_context():
        draft = write_newsletter()
    response = staff_post(client, f"/staff/newsletters/{draft}/test", follow_redirects=True)
    assert "E-postservern tog inte emot testmejlet (550 5.1.1)." in response.text


def test_sending_needs_the_confirmation_box(app, client, staff, staff_post, subscribers):
    """Nothing is queued until the staff member ticks "I have read the preview"."""
    with app.app_context():
        draft = write_newsletter()
    response = staff_post(client, f"/staff/newsletters/{draft}/send", follow_redirects=True)
    assert "Kryssa i rutan för att bekräfta att nyhetsbrevet är klart." in response.text
    with app.app_context():
        assert outbox_statuses() == {}


def test_send_queues_every_subscriber_once_and_twice_mails_nobody_twice(
    app, client, staff, staff_post, smtp_server, subscribers
):
    """N10: Send, Send again: one row and one message per subscriber, each in their language."""
    with app.app_context():
        draft = write_newsletter(**{k: v for k, v in DRAFT.items() if k.endswith("en")})
    page = client.get(f"/staff/newsletters/{draft}").text
    assert "Det går till 3 mottagare just nu: 2 på svenska och 1 på engelska." in page
    url = f"/staff/newsletters/{draft}/send"
    first = staff_post(client, url, {"confirm": "y"}, follow_redirects=True)
    assert "Nyhetsbrevet är köat till 3 mottagare" in first.text
    second = staff_post(client, url, {"confirm": "y"}, follow_redirects=True)
    assert "Det här nyhetsbrevet är redan skickat. Ingen får det två gånger." in second.text
    send_outbox(app)
    assert sorted(smtp_server.recipients()) == [
        "anna@example.se",
        "bo@example.se",
        "chris@example.com",
    ]
    subjects = {str(m["To"]): str(m["Subject"]) for m in smtp_server.messages}
    assert subjects["chris@example.com"] == "Autumn news"
    assert subjects["anna@example.se"] == "Nyheter från Joans"
    with app.app_context():
        queued = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "newsletter.queued")
        ).one()
        assert (queued.actor_id, queued.details) == (staff.id, {"recipients": 3})


def test_a_sent_newsletter_cannot_be_edited(app, client, staff, staff_post, subscribers):
    """What went out stays as it went out."""
    with app.app_context():
        draft = write_newsletter()
    staff_post(client, f"/staff/newsletters/{draft}/send", {"confirm": "y"})
    response = staff_post(client, f"/staff/newsletters/{draft}/edit", DRAFT)
    assert response.status_code == 302
    assert "går inte längre att ändra" in client.get(response.location).text
    with app.app_context():
        assert db.session.get(Newsletter, draft).subject_sv == "Nyheter från Joans"


def test_progress_shows_sent_failed_and_unknown_with_the_servers_code(
    app, client, staff, staff_post, smtp_server, subscribers
):
    """Staff see counts per status and, for failures, who and the reply code (audited)."""
    with app.app_context():
        draft = write_newsletter()
    staff_post(client, f"/staff/newsletters/{draft}/send", {"confirm": "y"})
    smtp_server.refuse["bo@example.se"] = "550 5.1.1 <bo@example.se>: unknown"
    smtp_server.drop_after_data = 1
    send_outbox(app)
    html = client.get(f"/staff/newsletters/{draft}").text
    counts = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="number">(\d+)</td>', html))
    assert counts["Skickat"] == "1"
    assert counts["Misslyckades"] == "1"
    assert counts["Okänd"] == "1"
    assert "<td>550 5.1.1</td>" in html
    assert "bo@example.se" not in html  # the name links to the contact; no address is shown
    with app.app_context():
        listed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "newsletter.problems_listed")
        ).one()
        assert listed.details == {"count": 2}
    listing = client.get("/staff/newsletters").text
    assert "Höstens" not in listing and "Nyheter från Joans" in listing


def test_an_objection_received_by_email_takes_effect_for_a_queued_newsletter(
    app, client, staff, staff_post, smtp_server, subscribers
):
    """N8: the button on the contact page stops even a message already in the outbox."""
    with app.app_context():
        draft = write_newsletter()
    staff_post(client, f"/staff/newsletters/{draft}/send", {"confirm": "y"})
    contact_id = subscribers["anna@example.se"][0]
    contact_page = client.get(f"/staff/contacts/{contact_id}").text
    assert "Får nyhetsbrevet." in contact_page
    assert "Grund: order 1 den 2026-11-02" in contact_page
    response = staff_post(client, f"/staff/contacts/{contact_id}/newsletter-objection")
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "Registrerat: Kund Testsson får inga nyhetsbrev från och med nu." in page
    assert "Har invänt: får inga nyhetsbrev." in page
    send_outbox(app)
    assert "anna@example.se" not in smtp_server.recipients()
    assert len(smtp_server.messages) == 2
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "newsletter.objection_recorded")
        ).one()
        assert (event.actor_id, event.subject_id) == (staff.id, contact_id)


def test_the_dashboard_shows_recipients_and_the_latest_campaign(
    app, client, staff, staff_post, subscribers
):
    """The overview says how many get the next newsletter and how the last one went."""
    html = client.get("/staff/").text
    assert "3 mottagare" in html
    assert "Skriv det första nyhetsbrevet" in html
    with app.app_context():
        draft = write_newsletter()
    staff_post(client, f"/staff/newsletters/{draft}/send", {"confirm": "y"})
    send_outbox(app)
    assert "Skickat till 3." in client.get("/staff/").text
