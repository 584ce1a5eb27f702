"""The life of a call-back request: received, staff told without personal data, handled, gone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from joans.contact.services import (
    list_open_callback_requests,
    mark_callback_handled,
    submit_callback_request,
    view_open_callback_requests,
)
from joans.extensions import db
from joans.mail import staff_addresses
from joans.models import AuditEvent, CallbackRequest
from tests.smtp import _free_port

NAME = "Märta Ödmark"
PHONE = "+46701234567"
PERSONAL_VALUES = (NAME, "Märta", "Ödmark", PHONE, "701234567", "070-123 45 67", "hosting")
STAFF = ["anna@joans.se", "bo@joans.se"]


def submit(app, **overrides):
    """Submit a request inside a request context on the English site; returns its id."""
    fields = {"name": NAME, "phone": PHONE, "service": "hosting", "language": "en"} | overrides
    with app.test_request_context("/en/contact", method="POST"):
        return submit_callback_request(**fields).id


def stored(app) -> list[CallbackRequest]:
    with app.app_context():
        return db.session.scalars(select(CallbackRequest)).all()


def audit_events(app) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def assert_no_personal_data(text: str) -> None:
    for value in PERSONAL_VALUES:
        assert value not in text


class TestSubmit:
    @pytest.fixture
    def app_config(self, smtp_server):
        return {**smtp_server.app_config, "CALLBACK_NOTIFY_EMAILS": STAFF}

    def test_request_is_stored_with_its_language_and_time(self, app):
        """Name, number, service and language are kept with an aware UTC timestamp."""
        moment = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
        with time_machine.travel(moment, tick=False):
            submit(app)
        (callback,) = stored(app)
        assert (callback.name, callback.phone, callback.service, callback.language) == (
            NAME,
            PHONE,
            "hosting",
            "en",
        )
        assert callback.created_at == moment

    def test_no_service_is_stored_as_none(self, app):
        """The optional service left at "not sure yet" is stored as nothing, not as ""."""
        submit(app, service="")
        assert stored(app)[0].service is None

    def test_receipt_is_audited_without_personal_data(self, app):
        """The audit trail says a request arrived, by id only."""
        request_id = submit(app)
        (event,) = audit_events(app)
        assert (event.action, event.subject_type, event.subject_id, event.actor_id) == (
            "callback_request.received",
            "callback_request",
            request_id,
            None,
        )
        assert event.details == {}

    def test_each_staff_member_gets_a_link_to_the_inbox_and_no_personal_data(
        self, app, smtp_server
    ):
        """A real SMTP server receives one message per address: link yes, name and number no."""
        submit(app)
        assert sorted(message["To"] for message in smtp_server.messages) == STAFF
        for message in smtp_server.messages:
            assert message["Subject"] == "Ny förfrågan om att bli uppringd"
            text = message.get_body(("plain",)).get_content()
            html = message.get_body(("html",)).get_content()
            assert "http://localhost/staff/callbacks" in text
            assert 'href="http://localhost/staff/callbacks"' in html
            assert "kontaktformuläret" in text
            assert "30 dagar" in text
            assert '<html lang="sv">' in html
            headers = "\n".join(f"{key}: {value}" for key, value in message.items())
            assert_no_personal_data("\n".join((headers, text, html)))

    def test_notification_language_is_configurable(self, app, smtp_server):
        """Staff who read English get the e-mail in English, whatever the visitor's language."""
        app.config["CALLBACK_NOTIFY_LANGUAGE"] = "en"
        submit(app, language="sv")
        message = smtp_server.messages[0]
        assert message["Subject"] == "New call-back request"
        assert "contact form" in message.get_body(("plain",)).get_content()

    def test_inbox_link_uses_the_configured_site_url(self, app, smtp_server):
        """Behind a proxy the link points at the public host, not the internal one."""
        app.config["SITE_URL"] = "https://joans.se"
        submit(app)
        text = smtp_server.messages[0].get_body(("plain",)).get_content()
        assert "https://joans.se/staff/callbacks" in text

    def test_a_refused_address_does_not_stop_the_others(self, app, smtp_server, caplog):
        """One staff address refused (550): the other is told, and the failure is logged."""
        smtp_server.refuse["anna@joans.se"] = "550 No such user"
        with caplog.at_level(logging.ERROR):
            request_id = submit(app)
        assert [message["To"] for message in smtp_server.messages] == ["bo@joans.se"]
        assert f"Call-back request {request_id} is stored" in caplog.text
        assert "anna@joans.se" not in caplog.text
        assert len(stored(app)) == 1


class TestDeadMailServer:
    @pytest.fixture
    def app_config(self):
        """Flask-Mail pointed at a port where nothing listens."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": _free_port(), "MAIL_SUPPRESS_SEND": False}

    def test_a_dead_mail_server_loses_no_request(self, app, caplog):
        """The request is committed before mailing; the failure is logged without personal data."""
        with caplog.at_level(logging.ERROR):
            request_id = submit(app)
        (callback,) = stored(app)
        assert callback.id == request_id
        assert callback.name == NAME
        assert "staff notification failed (ConnectionRefusedError)" in caplog.text
        assert_no_personal_data(caplog.text)


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (None, ["info@joans.se"]),
        (["a@joans.se", "b@joans.se"], ["a@joans.se", "b@joans.se"]),
        ("a@joans.se, b@joans.se", ["a@joans.se", "b@joans.se"]),
        ("a@joans.se", ["a@joans.se"]),
        ([], []),
    ],
)
@pytest.mark.parametrize("setting", ["CALLBACK_NOTIFY_EMAILS", "ORDERS_NOTIFY_EMAILS"])
def test_staff_recipients_come_from_configuration(app, configured, expected, setting):
    """A list or a comma-separated string; without a setting the company's own address."""
    app.config[setting] = configured
    with app.app_context():
        assert staff_addresses(setting) == expected


def test_open_requests_are_listed_oldest_first_with_age_and_deadline(app):
    """Staff see who has waited longest, and when each request will be deleted unhandled."""
    received = [
        datetime(2026, 5, 3, 8, 0, tzinfo=UTC),
        datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 5, 2, 8, 0, tzinfo=UTC),
    ]
    for moment in received:
        with time_machine.travel(moment, tick=False):
            submit(app, name=f"Person {moment.day}")
    now = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    with app.app_context():
        listed = list_open_callback_requests(now)
        assert [item.request.name for item in listed] == ["Person 1", "Person 2", "Person 3"]
        assert [item.age for item in listed] == [timedelta(days=3), timedelta(days=2), timedelta(1)]
        assert listed[0].delete_by == datetime(2026, 5, 31, 8, 0, tzinfo=UTC)


def test_opening_the_inbox_is_audited_by_the_service_with_a_count_only(app, make_staff):
    """Whoever lists the open requests, the audit log says who looked and at how many."""
    staff = make_staff()
    with app.app_context():
        assert view_open_callback_requests(actor_id=staff.id) == []
    submit(app)
    submit(app, name="Person 2")
    with app.app_context():
        assert len(view_open_callback_requests(actor_id=staff.id)) == 2
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "callback_request.listed")
        ).all()
    assert [(event.actor_id, event.details) for event in events] == [(staff.id, {"count": 2})]


def test_marking_handled_deletes_the_request_and_audits_only_the_fact(app, make_staff):
    """The row is gone; the audit event names the request id and the staff member, nothing more."""
    staff = make_staff()
    request_id = submit(app)
    other_id = submit(app, name="Someone Else")
    with app.app_context():
        assert mark_callback_handled(request_id, actor_id=staff.id) is True
        assert db.session.get(CallbackRequest, request_id) is None
    assert [callback.id for callback in stored(app)] == [other_id]
    event = audit_events(app)[-1]
    assert (event.action, event.actor_id, event.subject_type, event.subject_id) == (
        "callback_request.handled",
        staff.id,
        "callback_request",
        request_id,
    )
    assert event.details == {}
    assert_no_personal_data(repr([(e.action, e.details) for e in audit_events(app)]))


def test_marking_a_request_handled_twice_records_it_once(app, make_staff):
    """Two staff members pressing the button: the second learns it is already gone."""
    first, second = make_staff(), make_staff()
    request_id = submit(app)
    with app.app_context():
        assert mark_callback_handled(request_id, actor_id=first.id) is True
        assert mark_callback_handled(request_id, actor_id=second.id) is False
    handled = [e for e in audit_events(app) if e.action == "callback_request.handled"]
    assert [event.actor_id for event in handled] == [first.id]
