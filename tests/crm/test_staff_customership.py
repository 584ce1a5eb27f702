"""The back office for customerships: ending one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.crm import Company
from tests.orders import make_order, text_of

DESK = "desk@ilait.example"


@pytest.fixture
def app_config(smtp_server):
    """Mail to a real SMTP server, including the registrar's desk."""
    return {**smtp_server.app_config, "REGISTRAR_EMAIL": DESK}


@pytest.fixture
def staff(client, login_as_staff):
    """A client logged in as a staff member (not an admin)."""
    login_as_staff(client)
    return client


def test_ending_a_customership_sets_customer_until(app, staff, staff_post):
    """The date starts the retention clock; the page says what will happen."""
    make_order(app)
    with app.app_context():
        company_id = db.session.scalar(select(Company.id))
    form = text_of(staff.get(f"/staff/companies/{company_id}/end-customership"))
    assert "90 days" in form or "90 dagar" in form or "CUSTOMER_RETENTION_DAYS" in form
    staff_post(staff, f"/staff/companies/{company_id}/end-customership",
               {"customer_until": "2026-06-30"})  # fmt: skip
    with app.app_context():
        assert db.session.get(Company, company_id).customer_until == date(2026, 6, 30)
        assert "company.customership_ended" in db.session.scalars(select(AuditEvent.action)).all()
