"""Access and erasure cover everything held about a person (CHECKLISTS.md D2, D3)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import JSON, String, Text, select

from joans.extensions import db
from joans.models import AuditEvent, DataSubjectRequest, StaffUser
from joans.models.data_requests import RequestKind
from joans.services import crm, data_requests
from joans.services.callbacks import submit_callback_request


@dataclass
class Person:
    """What was seeded, and the values that must be found (export) or gone (erasure)."""

    company_id: int
    contact_id: int
    request_id: int
    values: tuple[str, ...]


def seed_person(
    app,
    staff_id: int,
    *,
    name=("Åsa", "Öberg"),
    email="asa@oberg.se",
    phone="+46701234567",
    orgnr="556036-0793",
    kind=RequestKind.ERASURE,
) -> Person:
    """One person at their company, in every table that can hold them."""
    street = f"{name[1]}s väg 1"
    with app.test_request_context("/kontakt"):
        company = crm.create_company(
            {"name": f"{name[1]} Bygg AB", "organisation_number": orgnr,
             "billing_street": street, "billing_postal_code": "111 22",
             "billing_city": "Lund", "customer_since": date(2020, 1, 1)}, actor_id=staff_id,
        )  # fmt: skip
        contact = crm.create_contact(
            {"first_name": name[0], "last_name": name[1], "phone": phone, "email": email,
             "company_id": company.id}, actor_id=staff_id,
        )  # fmt: skip
        crm.add_note(body=f"{name[0]} ringde från {phone}", actor_id=staff_id, contact=contact)
        crm.add_note(body=f"Avtal med {name[1]} Bygg", actor_id=staff_id, company=company)
        submit_callback_request(name=f"{name[0]} {name[1]}", phone=phone, service=None,
                                language="sv")  # fmt: skip
        request = data_requests.register_request(
            kind=kind, received_on=date(2026, 1, 31), requester_name=f"{name[0]} {name[1]}",
            requester_email=email, language="sv", actor_id=staff_id, contact_id=contact.id,
        )  # fmt: skip
        return Person(company.id, contact.id, request.id,
                      (name[0], name[1], email, phone, orgnr, street))  # fmt: skip


def text_values(app) -> list[tuple[str, int, str]]:
    """(table, row id, value) for every text and JSON column of every table."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns or "id" not in table.columns:
                continue
            for row in db.session.execute(select(table.c.id, *columns)):
                found.extend((table.name, row[0], str(value)) for value in row[1:] if value)
    return found


@pytest.fixture
def staff(make_staff):
    return make_staff(role="admin")


def test_erasure_leaves_nothing_but_the_legally_held_request(app, staff):
    """Scan every text column of every table: the person survives only in the request record."""
    person = seed_person(app, staff.id)
    other = seed_person(app, staff.id, name=("Bo", "Ek"), email="bo@ek.se",
                        phone="+46812345678", orgnr="556677-8899")  # fmt: skip
    with app.test_request_context("/staff/"):
        request = db.session.get(DataSubjectRequest, person.request_id)
        answer = data_requests.erase(request, actor_id=staff.id)
    leftovers = {
        (table, row_id)
        for table, row_id, value in text_values(app)
        for needle in person.values
        if needle in value
    }
    assert leftovers == {("data_subject_request", person.request_id)}
    # The other customer is untouched.
    remaining = " ".join(value for _, _, value in text_values(app))
    assert all(value in remaining for value in other.values)
    # The answer says what went and what was kept, in the requester's language.
    assert "Vi har raderat:" in answer
    assert "kontaktuppgifter" in answer and "företagsuppgifter" in answer
    assert "Dina begäranden till oss om dina uppgifter" in answer


def test_erasure_is_audited_with_counts_never_values(app, staff):
    """The audit log records that an erasure happened and how much went, nothing erased."""
    person = seed_person(app, staff.id)
    with app.test_request_context("/staff/"):
        request = db.session.get(DataSubjectRequest, person.request_id)
        data_requests.erase(request, actor_id=staff.id)
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "data_request.erased")
        ).one()
        details = json.dumps(
            [e.details for e in db.session.scalars(select(AuditEvent))], ensure_ascii=False
        )
    assert event.details["deleted"] == {"company": 1, "contact": 1, "note": 2,
                                        "callback_request": 1}  # fmt: skip
    assert event.details["held"] == {"data_subject_request": 1}
    assert not any(value in details for value in person.values)


def test_export_holds_every_record_and_no_secret(app, staff):
    """Every seeded value is in the zip; no password hash, TOTP secret or token is."""
    person = seed_person(app, staff.id, kind=RequestKind.ACCESS)
    with app.test_request_context("/staff/"):
        request = db.session.get(DataSubjectRequest, person.request_id)
        archive = data_requests.export_data(request, actor_id=staff.id)
        user = db.session.get(StaffUser, staff.id)
        secrets = [user.password_hash, user.totp_secret, app.config["SECRET_KEY"]]
    files = zipfile.ZipFile(io.BytesIO(archive))
    tables = ("company", "contact", "note", "callback_request", "data_subject_request")
    assert {"cover.txt", "data.json", *(f"{t}.csv" for t in tables)} <= set(files.namelist())
    everything = "".join(files.read(name).decode() for name in files.namelist())
    assert all(value in everything for value in person.values)
    assert not any(secret and secret in everything for secret in secrets)
    data = json.loads(files.read("data.json"))
    assert [row["email"] for row in data["contact"]] == ["asa@oberg.se"]
    cover = files.read("cover.txt").decode()
    assert "Dina uppgifter hos Joans" in cover
    assert "Integritetsskyddsmyndigheten (IMY)" in cover
    assert "Ringa upp dig när du ber om det i kontaktformuläret" in cover
