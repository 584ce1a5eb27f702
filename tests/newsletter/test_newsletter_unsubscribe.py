"""The unsubscribe link and RFC 8058 one-click unsubscribe (CHECKLISTS N2, N3, N4, N6, N11)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from joans.extensions import db
from joans.models import AuditEvent, Contact
from joans.models.newsletter import Suppression
from joans.models.types import utcnow
from joans.newsletter.subscriptions import address_hash, is_suppressed
from tests.consent import GA_CONFIG, choose
from tests.newsletter import add_subscriber, subscription_status, unsubscribe_path

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
ADDRESS = "anna.andersson@example.se"


@pytest.fixture
def subscriber(app):
    """A subscribed contact: (subscription id, its Swedish and English unsubscribe paths)."""
    with app.app_context():
        _, subscription_id = add_subscriber(ADDRESS)
        return (
            subscription_id,
            unsubscribe_path(subscription_id),
            unsubscribe_path(subscription_id, "en"),
        )


def alter_signature(token: str) -> str:
    """Change the signature's first character (every bit of it counts, unlike the last one's)."""
    payload, signature = token.split(".")
    return f"{payload}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_get_shows_whom_it_unsubscribes_with_one_button_and_changes_nothing(
    app, client, subscriber
):
    """N3: link scanners open the URL; the page asks, masks the address and changes nothing."""
    subscription_id, path, _ = subscriber
    before = audit_count(app)
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>a•••@e•••.se</strong>" in html
    assert ADDRESS not in html
    assert html.count("<button") == 1
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    with app.app_context():
        assert subscription_status(subscription_id) == "subscribed"
        assert not is_suppressed(ADDRESS)
    assert audit_count(app) == before


@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
def test_one_click_post_unsubscribes_with_200_and_repeats_with_200(
    app, client, subscriber, multipart
):
    """N4: body List-Unsubscribe=One-Click, no cookies, token or Referer: 200, never a redirect."""
    subscription_id, path, _ = subscriber
    options = {"content_type": "multipart/form-data"} if multipart else {}
    for _ in range(2):
        response = client.post(path, data=ONE_CLICK, **options)
        assert response.status_code == 200
        assert "Location" not in response.headers
        assert "Set-Cookie" not in response.headers
    assert client.get_cookie("session") is None
    with app.app_context():
        assert subscription_status(subscription_id) == "unsubscribed"
        assert is_suppressed(ADDRESS)
        assert db.session.scalar(select(func.count()).select_from(Suppression)) == 1
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("newsletter.unsubscribed") == 1


def test_one_click_post_from_another_site_is_accepted(app, client, subscriber):
    """A webmail page on another site may send the one-click POST: the check lets it through."""
    subscription_id, path, _ = subscriber
    headers = {"Sec-Fetch-Site": "cross-site", "Origin": "https://mail.example.com"}
    response = client.post(path, data=ONE_CLICK, headers=headers)
    assert response.status_code == 200
    with app.app_context():
        assert subscription_status(subscription_id) == "unsubscribed"


def test_button_post_confirms_with_an_undo_button(app, client, subscriber):
    """The page's own button: a confirmation naming the masked address, and "undo"."""
    _, path, _ = subscriber
    html = client.post(path, data=ONE_CLICK, headers={"Sec-Fetch-Site": "same-origin"}).text
    assert "<h1>Du är avregistrerad</h1>" in html
    assert "a•••@e•••.se" in html
    assert 'name="undo"' in html
    assert f'action="{path}/angra"' in html


def test_undo_puts_the_recipient_back_and_removes_the_suppression(app, client, subscriber):
    """Pressed by mistake: undo within the hour and the address gets newsletters again."""
    subscription_id, path, _ = subscriber
    html = client.post(path, data=ONE_CLICK).text
    undo = html.split('name="undo" value="', 1)[1].split('"', 1)[0]
    response = client.post(f"{path}/angra", data={"undo": undo})
    assert response.status_code == 200
    assert "Du får vårt nyhetsbrev igen" in response.text
    with app.app_context():
        assert subscription_status(subscription_id) == "subscribed"
        assert not is_suppressed(ADDRESS)


def test_undo_expires_after_an_hour_and_changes_nothing(app, client, subscriber):
    """A forwarded confirmation page cannot resubscribe someone days later."""
    subscription_id, path, _ = subscriber
    html = client.post(path, data=ONE_CLICK).text
    undo = html.split('name="undo" value="', 1)[1].split('"', 1)[0]
    with time_machine.travel(utcnow() + timedelta(hours=1, minutes=1)):
        response = client.post(f"{path}/angra", data={"undo": undo})
    assert response.status_code == 400
    assert "Ingenting har ändrats: du är fortfarande avregistrerad." in response.text
    with app.app_context():
        assert subscription_status(subscription_id) == "unsubscribed"


def test_undo_is_refused_from_another_site(app, client, subscriber):
    """Only the one-click URL is exempt from the cross-site check; undo is not."""
    subscription_id, path, _ = subscriber
    html = client.post(path, data=ONE_CLICK).text
    undo = html.split('name="undo" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        f"{path}/angra", data={"undo": undo}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    with app.app_context():
        assert subscription_status(subscription_id) == "unsubscribed"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: alter_signature(token),
        lambda token: token[:20],  # cut short when copied
        lambda token: "eyJsIjoibmV3c2xldHRlciIsInMiOjJ9." + token.split(".")[1],  # other id
        lambda token: "nonsense",
    ],
    ids=["signature", "truncated", "other-subscription", "nonsense"],
)
def test_a_tampered_or_unknown_token_changes_nothing_and_gets_a_clear_400_page(
    app, client, subscriber, method, mangle
):
    """N2: a token that is not exactly ours is refused with a translated explanation."""
    subscription_id, path, _ = subscriber
    prefix, token = path.rsplit("/", 1)
    response = client.open(f"{prefix}/{mangle(token)}", method=method, data=ONE_CLICK)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<h1>Avregistreringslänken fungerar inte</h1>" in html
    assert "Ingenting har ändrats." in html
    assert 'href="/nyhetsbrev/avregistrera"' in html
    with app.app_context():
        assert subscription_status(subscription_id) == "subscribed"
        assert not is_suppressed(ADDRESS)


def test_a_post_without_the_one_click_body_changes_nothing(app, client, subscriber):
    """Only List-Unsubscribe=One-Click unsubscribes; any other POST is a 400."""
    subscription_id, path, _ = subscriber
    response = client.post(path, data={"List-Unsubscribe": "yes"})
    assert response.status_code == 400
    with app.app_context():
        assert subscription_status(subscription_id) == "subscribed"


def test_english_link_answers_in_english(client, subscriber):
    """The link in an English newsletter opens the English page."""
    _, _, english_path = subscriber
    html = client.get(english_path).text
    assert '<html lang="en">' in html
    assert "<h1>Unsubscribe from our newsletter</h1>" in html
    assert "<h1>You are unsubscribed</h1>" in client.post(english_path, data=ONE_CLICK).text


def test_the_link_of_a_test_send_unsubscribes_nobody(app, client, subscriber):
    """A staff member's test e-mail carries a link that shows the pages but changes nothing."""
    subscription_id, _, _ = subscriber
    with app.app_context():
        path = unsubscribe_path(None)
    assert "nyhetsbrevstest" in client.get(path).text
    response = client.post(path, data=ONE_CLICK)
    assert response.status_code == 200
    assert "Test: ingen har avregistrerats" in response.text
    with app.app_context():
        assert subscription_status(subscription_id) == "subscribed"
        assert db.session.scalar(select(func.count()).select_from(Suppression)) == 0


def test_link_of_a_deleted_contact_says_so_and_one_click_still_answers_200(app, client, subscriber):
    """After the contact was deleted there is nobody to mail; the page says so, one-click is 200."""
    _, path, _ = subscriber
    with app.app_context():
        db.session.execute(db.delete(Contact))
        db.session.commit()
    assert "inte längre på vår lista" in client.get(path).text
    assert client.post(path, data=ONE_CLICK).status_code == 200


def test_an_address_unsubscribed_once_is_not_resubscribed_by_a_later_order(app, client, subscriber):
    """N11: only the hash remains, and it keeps a new contact with the address off the list."""
    _, path, _ = subscriber
    client.post(path, data=ONE_CLICK)
    with app.app_context():
        (stored,) = db.session.scalars(select(Suppression)).all()
        assert stored.address_hash == address_hash(ADDRESS)
        assert ADDRESS not in stored.address_hash
        _, later = add_subscriber(ADDRESS.upper(), order_id=99)
        assert subscription_status(later) == "suppressed"


def test_unsubscribe_pages_carry_no_statistics_even_after_consent(app, subscriber):
    """The token in the URL is never reported to Google: no banner, no GA on these pages."""
    app.config.update(GA_CONFIG)
    _, path, _ = subscriber
    client = app.test_client()
    choose(client, "accept")
    assert "googletagmanager" in client.get("/").text  # the visitor did accept statistics
    for response in (client.get(path), client.post(path, data=ONE_CLICK)):
        html = response.get_data(as_text=True)
        assert "googletagmanager" not in html
        assert "consent-banner" not in html
        assert "google" not in response.headers["Content-Security-Policy"]
