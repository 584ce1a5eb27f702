"""Data-subject requests in the back office: register, check identity, close (D1)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from joans.crm import services as crm
from joans.extensions import db
from joans.models import AuditEvent, DataSubjectRequest
from joans.models.types import utcnow


def a_contact(app, actor_id: int) -> int:
    """A contact at a company, entered through the CRM."""
    with app.app_context():
        company = crm.create_company({"name": "Exempel AB"}, actor_id=actor_id)
        return crm.create_contact(
            {"first_name": "Åsa", "last_name": "Öberg", "email": "asa@exempel.se",
             "company_id": company.id}, actor_id=actor_id,
        ).id  # fmt: skip


def stored_requests(app) -> list[DataSubjectRequest]:
    with app.app_context():
        return db.session.scalars(select(DataSubjectRequest)).all()


def test_register_from_a_contact_page_links_the_request_and_sets_the_due_date(
    app, client, login_as_staff, staff_post
):
    """The form opened from a contact is prefilled; the due date is one month after receipt."""
    account = login_as_staff(client)
    contact_id = a_contact(app, account.id)
    page = client.get(f"/staff/requests/new?contact_id={contact_id}").text
    assert 'value="Åsa Öberg"' in page
    assert 'value="asa@exempel.se"' in page
    response = staff_post(client, "/staff/requests/new", {
        "kind": "access", "received_on": "2026-01-31", "requester_name": "Åsa Öberg",
        "requester_email": "asa@exempel.se", "language": "sv", "contact_id": str(contact_id),
    })  # fmt: skip
    assert response.status_code == 302
    (stored,) = stored_requests(app)
    assert (stored.kind, str(stored.due_on), stored.contact_id) == ("access", "2026-02-28",
                                                                     contact_id)  # fmt: skip
    assert stored.company_id is not None
    detail = client.get(response.headers["Location"]).text
    assert "2026-02-28" in detail


def test_bad_input_is_explained_and_kept(client, login_as_staff, staff_post):
    """A future date and a missing name are refused with messages; what was typed stays."""
    login_as_staff(client)
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    response = staff_post(client, "/staff/requests/new", {
        "kind": "erasure", "received_on": tomorrow, "requester_name": "",
        "requester_email": "inte-en-adress", "language": "en",
    })  # fmt: skip
    assert response.status_code == 200
    assert "Datumet kan inte ligga i framtiden." in response.text
    assert "Ange namnet på den som frågar." in response.text
    assert 'value="inte-en-adress"' in response.text


def test_identity_check_and_closing_are_recorded_and_audited(
    app, client, login_as_staff, staff_post
):
    """Who checked identity, how and when; who closed it, with what answer; all audited."""
    account = login_as_staff(client)
    staff_post(client, "/staff/requests/new", {
        "kind": "erasure", "received_on": utcnow().date().isoformat(),
        "requester_name": "Bo Ek", "language": "sv",
    })  # fmt: skip
    (stored,) = stored_requests(app)
    staff_post(client, f"/staff/requests/{stored.id}/identity", {"method": "phone_on_file"})
    missing_note = staff_post(client, f"/staff/requests/{stored.id}/close", {"note": ""})
    assert missing_note.status_code == 422
    staff_post(client, f"/staff/requests/{stored.id}/close", {"note": "Uppgifterna raderade."})
    (stored,) = stored_requests(app)
    assert stored.identity_check == "phone_on_file"
    assert stored.identity_checked_by_id == stored.closed_by_id == account.id
    assert stored.closing_note == "Uppgifterna raderade."
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "data_subject_request")
        ).all()
    actions = [event.action for event in events]
    assert actions == ["data_request.registered", "data_request.identity_checked",
                       "data_request.closed"]  # fmt: skip
    assert "Bo Ek" not in repr([event.details for event in events])
    # A closed request cannot be closed again.
    again = staff_post(client, f"/staff/requests/{stored.id}/close", {"note": "igen"})
    assert again.status_code == 404


def test_open_requests_are_on_the_dashboard_with_the_next_due_date(
    app, client, login_as_staff, staff_post
):
    """The dashboard shows how many requests are open and flags an overdue one."""
    login_as_staff(client)
    old = (utcnow().date() - timedelta(days=40)).isoformat()
    staff_post(client, "/staff/requests/new", {
        "kind": "access", "received_on": old, "requester_name": "Bo Ek", "language": "sv",
    })  # fmt: skip
    page = client.get("/staff/").text
    assert "1 öppen begäran" in page
    assert "försenad" in page
    listing = client.get("/staff/requests").text
    assert "Bo Ek" in listing and "försenad" in listing


def test_no_data_request_panel_when_none_is_open(client, login_as_staff):
    """Nothing to do, nothing shown."""
    login_as_staff(client)
    assert "Begäranden om uppgifter</h2>" not in client.get("/staff/").text
