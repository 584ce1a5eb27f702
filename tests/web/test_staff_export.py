"""CSV export of the register: admins only, password again after 15 minutes, audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import time_machine

from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.crm import Company, Contact

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def seed(app):
    """Two companies (one a sole trader) and a contact whose name looks like a formula."""
    with app.app_context():
        company = Company(name="Exempel AB", organisation_number="556036-0793")
        db.session.add_all(
            [company, Company(name="Eva Konsult", organisation_number="19811218-9876")]
        )
        db.session.flush()
        db.session.add(
            Contact(first_name='=HYPERLINK("http://evil")', last_name="Åberg", phone="+46701234567",
                    email="a@example.se", company_id=company.id)
        )  # fmt: skip
        db.session.commit()


def rows(response) -> list[list[str]]:
    """The CSV body as rows (the BOM removed)."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_export_within_fifteen_minutes_of_login_downloads_and_is_audited(
    app, client, login_as_staff, staff_post
):
    """A fresh login exports at once; the audit log has who, what and how many rows, no values."""
    seed(app)
    with time_machine.travel(START, tick=False) as clock:
        admin = login_as_staff(client, role="admin")
        clock.shift(timedelta(minutes=14))
        response = staff_post(client, "/staff/export/companies")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="joans-companies-2026-03-02.csv"'
    )
    table = rows(response)
    assert table[0][:3] == ["id", "name", "organisation_number"]
    numbers = {row[1]: row[2] for row in table[1:]}
    assert numbers == {"Exempel AB": "556036-0793", "Eva Konsult": "19811218-****"}
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="crm.exported"))
    assert (event.actor_id, event.details) == (admin.id, {"kind": "companies", "rows": 2})


def test_export_after_fifteen_minutes_asks_for_the_password_again(
    app, client, login_as_staff, staff_post
):
    """An old login must re-authenticate; a wrong password does not pass, the right one does."""
    seed(app)
    with time_machine.travel(START, tick=False) as clock:
        admin = login_as_staff(client, role="admin")
        clock.shift(timedelta(minutes=16))
        refused = staff_post(client, "/staff/export/contacts")
        assert refused.headers["Location"] == "/staff/reauthenticate?next=/staff/export/contacts"
        assert client.get("/staff/export").headers["Location"].startswith("/staff/reauthenticate")
        wrong = staff_post(
            client, "/staff/reauthenticate?next=/staff/export", {"password": "not it at all"}
        )
        assert "Lösenordet är fel." in wrong.text
        right = staff_post(
            client, "/staff/reauthenticate?next=/staff/export", {"password": admin.password}
        )
        assert right.headers["Location"] == "/staff/export"
        response = staff_post(client, "/staff/export/contacts")
    assert response.status_code == 200
    with app.app_context():
        actions = list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-3:] == [
        "staff.reauthentication_failed",
        "staff.reauthenticated",
        "crm.exported",
    ]


def test_cells_that_look_like_formulas_are_defused(app, client, login_as_staff, staff_post):
    """A spreadsheet opening the file runs no formula (OWASP CSV injection)."""
    seed(app)
    login_as_staff(client, role="admin")
    table = rows(staff_post(client, "/staff/export/contacts"))
    contact = dict(zip(table[0], table[1], strict=True))
    assert contact["first_name"] == '\'=HYPERLINK("http://evil")'
    assert contact["phone"] == "'+46701234567"
    assert contact["company_name"] == "Exempel AB"


def test_export_of_an_unknown_register_is_404(client, login_as_staff, staff_post):
    """Only companies and contacts can be exported."""
    login_as_staff(client, role="admin")
    assert staff_post(client, "/staff/export/staff_user").status_code == 404
