"""Export and erasure from the back office: admins only, identity first, fresh login (D2, D3)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from joans.extensions import db
from joans.models import Contact, DataSubjectRequest
from joans.models.data_requests import RequestKind
from tests.privacy.test_subject_rights import seed_person

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def check_identity(staff_post, client, request_id: int) -> None:
    """Record that the requester's identity was confirmed."""
    staff_post(client, f"/staff/requests/{request_id}/identity", {"method": "email_on_file"})


def contacts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Contact))


def test_access_export_downloads_a_zip_after_the_identity_check(
    app, client, login_as_staff, staff_post, make_staff
):
    """No export before identity is confirmed; then a zip with the person's records."""
    person = seed_person(app, make_staff().id, kind=RequestKind.ACCESS)
    login_as_staff(client, role="admin")
    before = client.get(f"/staff/requests/{person.request_id}/export")
    assert before.headers["Location"] == f"/staff/requests/{person.request_id}"
    check_identity(staff_post, client, person.request_id)
    page = client.get(f"/staff/requests/{person.request_id}/export").text
    assert "<code>contact</code>: 1" in page
    response = staff_post(client, f"/staff/requests/{person.request_id}/export")
    assert response.mimetype == "application/zip"
    assert "asa@oberg.se" in zipfile.ZipFile(io.BytesIO(response.data)).read("data.json").decode()


def test_staff_who_are_not_admins_cannot_export_or_erase(
    app, client, login_as_staff, staff_post, make_staff
):
    """Least privilege: handling requests needs no export, acting on them needs an admin."""
    person = seed_person(app, make_staff().id)
    login_as_staff(client, role="staff")
    check_identity(staff_post, client, person.request_id)
    assert client.get(f"/staff/requests/{person.request_id}/erasure").status_code == 403
    assert staff_post(client, f"/staff/requests/{person.request_id}/erasure").status_code == 403
    assert contacts(app) == 1


def test_erasure_asks_for_the_password_when_the_login_is_old(
    app, client, login_as_staff, staff_post, make_staff
):
    """Fifteen minutes after login, erasure first sends the admin to re-enter the password, then
    back to the preview (the button's address takes POST only) to press the button again."""
    person = seed_person(app, make_staff().id)
    preview = f"/staff/requests/{person.request_id}/erasure"
    with time_machine.travel(START, tick=False) as clock:
        admin = login_as_staff(client, role="admin")
        check_identity(staff_post, client, person.request_id)
        clock.shift(timedelta(minutes=16))
        response = staff_post(client, preview, headers={"Referer": f"http://localhost{preview}"})
        assert response.headers["Location"].startswith("/staff/reauthenticate")
        assert contacts(app) == 1
        back = staff_post(
            client,
            response.headers["Location"],
            {"password": admin.password},
            follow_redirects=True,
        )
        assert back.status_code == 200
        assert back.request.path == preview
        assert contacts(app) == 1
        done = staff_post(client, preview)
    assert done.status_code == 200
    assert contacts(app) == 0


def test_erasure_preview_then_delete_then_answer(
    app, client, login_as_staff, staff_post, make_staff
):
    """The preview lists what goes and what stays; erasing puts the answer in the closing note."""
    person = seed_person(app, make_staff().id)
    login_as_staff(client, role="admin")
    check_identity(staff_post, client, person.request_id)
    preview = client.get(f"/staff/requests/{person.request_id}/erasure").text
    assert "<code>contact</code>: 1" in preview and "<code>note</code>: 2" in preview
    assert "Dina begäranden till oss om dina uppgifter" in preview
    assert contacts(app) == 1
    done = staff_post(client, f"/staff/requests/{person.request_id}/erasure")
    assert done.status_code == 200
    assert "Uppgifterna är raderade." in done.text
    assert "Vi har raderat:" in done.text  # the answer, in the closing form
    assert contacts(app) == 0
    with app.app_context():
        request = db.session.get(DataSubjectRequest, person.request_id)
        assert request.contact_id is None and request.is_open


def test_a_rectification_request_names_the_recipients_to_tell(
    app, client, login_as_staff, make_staff
):
    """GDPR art. 19: whoever corrects the records sees that Ilait AB received the data too."""
    rectification = seed_person(app, make_staff().id, kind=RequestKind.RECTIFICATION)
    other_person = {"name": ("Bo", "Ek"), "email": "bo@ek.se", "phone": "+46812345678"}
    access = seed_person(
        app, make_staff().id, **other_person, orgnr="556677-8899", kind=RequestKind.ACCESS
    )
    login_as_staff(client)
    page = client.get(f"/staff/requests/{rectification.request_id}").text
    assert "Mottagare att underrätta (GDPR art. 19)" in page
    assert "<li>Ilait AB</li>" in page
    other = client.get(f"/staff/requests/{access.request_id}").text
    assert "Mottagare att underrätta" not in other
