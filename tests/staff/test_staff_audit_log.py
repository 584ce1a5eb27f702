"""The audit log viewer: admins filter by staff member, action, record and date."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from joans.audit import record_event
from joans.extensions import db


def add_event(app, when, action, actor_id, subject_id=None):
    """One event at ``when``."""
    with app.app_context(), time_machine.travel(when, tick=False):
        record_event(action, actor_id=actor_id, subject_type="contact", subject_id=subject_id)
        db.session.commit()


def rows(page) -> int:
    """How many event rows the page lists."""
    return page.count("<td><time")


def test_filters_by_person_action_record_and_day(app, client, login_as_staff, make_staff):
    """Each filter narrows the list; days are Swedish days, not UTC days."""
    admin = login_as_staff(client, role="admin")
    anna, bo = make_staff(name="Anna"), make_staff(name="Bo")
    # 23:30 UTC on 1 March is 00:30 on 2 March in Stockholm.
    add_event(app, datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "contact.viewed", anna.id, 7)
    add_event(app, datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "contact.updated", anna.id, 7)
    add_event(app, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "contact.viewed", bo.id, 8)
    base = "/staff/audit?date_from=2026-03-01&date_to=2026-03-02"
    assert rows(client.get(base).text) == 3
    assert rows(client.get(f"{base}&actor={anna.id}").text) == 2
    assert rows(client.get(f"{base}&action=contact.viewed").text) == 2
    assert rows(client.get(f"{base}&subject_type=contact&subject_id=8").text) == 1
    second_day = "date_from=2026-03-02&date_to=2026-03-02&action=contact.viewed"
    only_second = client.get(f"/staff/audit?{second_day}")
    assert rows(only_second.text) == 2  # the 23:30 UTC event belongs to 2 March in Sweden
    assert "Anna" in only_second.text and "Bo" in only_second.text
    assert admin.email in client.get("/staff/audit").text  # the admin's own login is listed


SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def test_a_script_like_staff_name_comes_back_escaped(app, client, login_as_staff, make_staff):
    """A staff member's name is text in the event rows and in the person filter, filtered or not."""
    login_as_staff(client, role="admin")
    named = make_staff(name=SCRIPT)
    add_event(app, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "contact.viewed", named.id, 7)
    for url in ("/staff/audit", f"/staff/audit?actor={named.id}"):
        page = client.get(url).text
        assert SCRIPT not in page, url
        assert page.count(ESCAPED) >= 2, url  # the event's row and the filter's option


def test_bad_filter_values_show_the_log_not_an_error(client, login_as_staff):
    """Nonsense in the query string is ignored or reported, never a server error."""
    login_as_staff(client, role="admin")
    for query in ("actor=abc", "date_from=yesterday", "subject_id=x&subject_type=c", "page=-1"):
        assert client.get(f"/staff/audit?{query}").status_code == 200
