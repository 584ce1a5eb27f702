"""The call-back inbox and the dashboard's call-back and statistics panels."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from joans.contact.services import submit_callback_request
from joans.extensions import db
from joans.models import AuditEvent, CallbackRequest, ConsentRecord

# The staff session runs on the real clock, so the requests are placed relative to it.
NOW = datetime.now(UTC).replace(microsecond=0)


def leave_request(app, name: str, phone: str, at: datetime, service: str | None = None) -> int:
    """A call-back request as the contact form stores it, received at ``at``."""
    with time_machine.travel(at, tick=False), app.test_request_context("/kontakt"):
        return submit_callback_request(name=name, phone=phone, service=service, language="sv").id


def remaining(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(CallbackRequest.name)).all()


@pytest.fixture
def requests(app):
    """Two requests, the older one three days old."""
    return {
        "older": leave_request(
            app, "Märta Ödmark", "+46701234567", NOW - timedelta(days=3), service="hosting"
        ),
        "newer": leave_request(app, "Bo Ek", "+46812345678", NOW - timedelta(hours=2)),
    }


def test_inbox_lists_open_requests_oldest_first_with_deadline(client, login_as_staff, requests):
    """Name, callable number, topic, age, and the day it will be deleted if nobody calls."""
    login_as_staff(client)
    html = client.get("/staff/callbacks").text
    assert html.index("Märta Ödmark") < html.index("Bo Ek")
    assert '<a href="tel:+46701234567">070-123 45 67</a>' in html
    assert "Webbhotell" in html
    assert "3 dygn" in html
    deadline = NOW - timedelta(days=3) + timedelta(days=30)
    assert f'<time datetime="{deadline.isoformat()}">' in html


SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def test_a_script_like_name_comes_back_escaped(app, client, login_as_staff):
    """Anonymous visitors write the names: the inbox shows ``<script>`` as text, in the row and in
    the button's label for screen readers, never as markup."""
    leave_request(app, SCRIPT, "+46701234567", NOW - timedelta(hours=1))
    login_as_staff(client)
    html = client.get("/staff/callbacks").text
    assert SCRIPT not in html
    assert html.count(ESCAPED) == 2


def test_viewing_the_inbox_is_audited_without_personal_data(app, client, login_as_staff, requests):
    """Who looked at the list, and how many requests it held; never the names or numbers."""
    account = login_as_staff(client)
    client.get("/staff/callbacks")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "callback_request.listed")
        ).one()
    assert (event.actor_id, event.details) == (account.id, {"count": 2})


def test_called_delete_removes_the_request(app, client, login_as_staff, staff_post, requests):
    """One click deletes the request; the audit names the request id and who handled it."""
    account = login_as_staff(client)
    response = staff_post(client, f"/staff/callbacks/{requests['older']}/handled",
                          follow_redirects=True)  # fmt: skip
    assert "Klart. Förfrågan och numret är raderade." in response.text
    assert remaining(app) == ["Bo Ek"]
    with app.app_context():
        handled = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "callback_request.handled")
        ).one()
    assert (handled.actor_id, handled.subject_id) == (account.id, requests["older"])


def test_a_colleague_who_was_quicker_is_named_not_an_error(client, login_as_staff, staff_post,
                                                           requests):  # fmt: skip
    """The second click on the same request says it is already handled."""
    login_as_staff(client)
    url = f"/staff/callbacks/{requests['newer']}/handled"
    staff_post(client, url)
    response = staff_post(client, url, follow_redirects=True)
    assert response.status_code == 200
    assert "redan hanterats av en kollega" in response.text


def test_handling_without_a_csrf_token_changes_nothing(app, client, login_as_staff, requests):
    """A forged form cannot delete requests."""
    login_as_staff(client)
    response = client.post(f"/staff/callbacks/{requests['older']}/handled")
    assert response.status_code == 400
    assert len(remaining(app)) == 2


def test_dashboard_says_how_many_wait_and_for_how_long(client, login_as_staff, requests):
    """The first panel: the number waiting, linking to the inbox, and the oldest one's age."""
    login_as_staff(client)
    html = client.get("/staff/").text
    assert '<a href="/staff/callbacks">2 personer väntar på att bli uppringda</a>' in html
    assert "Den äldsta förfrågan kom in för 3 dygn sedan." in html


def test_dashboard_says_when_nobody_waits(client, login_as_staff):
    """An empty inbox is good news, said plainly."""
    login_as_staff(client)
    assert "Ingen väntar på att bli uppringd." in client.get("/staff/").text


def test_dashboard_shows_weekly_consent_counts(app, client, login_as_staff):
    """Counts per week from the consent log, and the share that accepted."""
    app.config["GA_MEASUREMENT_ID"] = "G-TEST12345"
    with app.app_context():
        for choice in ("accepted", "accepted", "accepted", "declined"):
            db.session.add(ConsentRecord(consent_id="x" * 32, recorded_at=NOW, choice=choice,
                                         revision=1, method="form", language="sv"))  # fmt: skip
        db.session.commit()
    login_as_staff(client)
    html = client.get("/staff/").text
    year, week, _ = NOW.astimezone(ZoneInfo("Europe/Stockholm")).isocalendar()
    assert f'<th scope="row">{week}/{year}</th>' in html
    assert re.search(r"<td class=\"number\">75\s%</td>", html)


def test_no_statistics_panel_without_google_analytics(client, login_as_staff):
    """Without a measurement id there is no consent to count."""
    login_as_staff(client)
    assert "Statistikkakor" not in client.get("/staff/").text
