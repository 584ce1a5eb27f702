"""The back office for domains: recording the registrar's answer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from joans.extensions import db
from joans.models.domains import Domain, DomainStatus
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


def test_staff_record_the_registrars_answer(app, staff, staff_post):
    """The dates from the desk's reply make the domain registered; bad dates are refused."""
    order_id = make_order(app, domains=("svar.se",))
    staff_post(staff, f"/staff/orders/{order_id}/status/confirmed")
    with app.app_context():
        domain_id = db.session.scalar(select(Domain.id))
    bad = staff_post(
        staff, f"/staff/domains/{domain_id}/registration",
        {"registered_on": "2026-03-02", "expires_on": "2026-03-01"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "Utgångsdatumet måste komma efter registreringsdatumet." in text_of(bad)
    staff_post(
        staff, f"/staff/domains/{domain_id}/registration",
        {"registered_on": "2026-03-02", "expires_on": "2027-03-02"},
    )  # fmt: skip
    with app.app_context():
        domain = db.session.get(Domain, domain_id)
        assert (domain.status, domain.expires_on) == (DomainStatus.REGISTERED, date(2027, 3, 2))
    page = text_of(staff.get(f"/staff/domains/{domain_id}"))
    assert "Ilait AB" in page and "domain_registration" in page
