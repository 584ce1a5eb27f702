"""CSV export of the register: admins only, password again after 15 minutes, audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.crm import Company, Contact

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# What a browser sends with the export page's buttons (Referrer-Policy: strict-origin-when-...).
FROM_EXPORT_PAGE = {"Referer": "http://localhost/staff/export"}


def seed(app):
    """Two companies (one a sole trader) and a contact whose name looks like a formula."""
    with app.app_context():
        company = Company(
            name="Exempel AB", organisation_number="556036-0793", vat_number="SE556036079301"
        )
        sole_trader = Company(
            name="Eva Konsult", organisation_number="19811218-9876", vat_number="SE811218987601"
        )
        db.session.add_all([company, sole_trader])
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
    assert table[0][3] == "vat_number"
    numbers = {row[1]: row[2:4] for row in table[1:]}
    assert numbers == {
        "Exempel AB": ["556036-0793", "SE556036079301"],
        "Eva Konsult": ["19811218-****", "SE811218****01"],  # the VAT number holds the personnummer
    }
    assert "9876" not in response.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="crm.exported"))
    assert (event.actor_id, event.details) == (admin.id, {"kind": "companies", "rows": 2})


def test_export_after_fifteen_minutes_asks_for_the_password_again(
    app, client, login_as_staff, staff_post
):
    """An old login must re-authenticate; a wrong password does not pass, the right one leads
    back to the export page (the button's POST-only address would answer 405), where the button
    works."""
    seed(app)
    with time_machine.travel(START, tick=False) as clock:
        admin = login_as_staff(client, role="admin")
        clock.shift(timedelta(minutes=16))
        refused = staff_post(client, "/staff/export/contacts", headers=FROM_EXPORT_PAGE)
        reauthenticate = refused.headers["Location"]
        assert reauthenticate == "/staff/reauthenticate?next=/staff/export"
        # A note says nothing was exported yet and the button must be pressed again.
        assert 'class="flash flash-info"' in client.get(reauthenticate).text
        assert client.get("/staff/export").headers["Location"].startswith("/staff/reauthenticate")
        wrong = staff_post(client, reauthenticate, {"password": "not it at all"})
        assert "Lösenordet är fel." in wrong.text
        right = staff_post(
            client, reauthenticate, {"password": admin.password}, follow_redirects=True
        )
        assert right.status_code == 200
        assert right.request.path == "/staff/export"
        response = staff_post(client, "/staff/export/contacts", headers=FROM_EXPORT_PAGE)
    assert response.status_code == 200
    with app.app_context():
        actions = list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-3:] == [
        "staff.reauthentication_failed",
        "staff.reauthenticated",
        "crm.exported",
    ]


@pytest.mark.parametrize(
    ("referrer", "back_to"),
    [
        ("http://localhost/staff/export?sort=name", "/staff/export"),
        (None, "/staff/"),
        ("https://evil.example/staff/export", "/staff/"),
        ("http://localhost/en/", "/staff/"),
        ("http://localhost/staff/../en/", "/staff/"),
        ("http://localhost/staff/export/contacts", "/staff/"),  # answers POST only
        ("http://localhost/staff/no-such-page", "/staff/"),
    ],
)
def test_a_button_pressed_on_an_old_login_returns_only_to_a_back_office_page(
    app, client, login_as_staff, staff_post, referrer, back_to
):
    """After the password, a form comes back to the staff page it was on, else the dashboard;
    never another site, a public page or an address that only takes a POST."""
    with time_machine.travel(START, tick=False) as clock:
        admin = login_as_staff(client, role="admin")
        clock.shift(timedelta(minutes=16))
        headers = {"Referer": referrer} if referrer else {}
        refused = staff_post(client, "/staff/export/contacts", headers=headers)
        assert refused.headers["Location"] == f"/staff/reauthenticate?next={back_to}"
        right = staff_post(
            client, refused.headers["Location"], {"password": admin.password}, follow_redirects=True
        )
    assert right.status_code == 200
    assert right.request.path == back_to
    with app.app_context():
        assert not db.session.scalar(db.select(AuditEvent).filter_by(action="crm.exported"))


def test_a_forged_next_after_the_password_leads_to_the_dashboard(
    client, login_as_staff, staff_post
):
    """``next`` is checked again when the password is confirmed: only a staff page that answers
    GET is followed."""
    with time_machine.travel(START, tick=False) as clock:
        admin = login_as_staff(client, role="admin")
        clock.shift(timedelta(minutes=16))
        # "%252e" arrives as "%2e", which a browser reads as a dot (WHATWG URL).
        for target in (
            "/staff/export/contacts",
            "//evil.example/staff",
            "/staff/../en/",
            "/staff/%252e%252e/en/",
        ):
            response = staff_post(
                client, f"/staff/reauthenticate?next={target}", {"password": admin.password}
            )
            assert response.headers["Location"] == "/staff/", target


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
