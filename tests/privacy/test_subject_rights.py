"""Access and erasure cover everything held about a person (CHECKLISTS.md D2, D3)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import JSON, String, Text, select

from joans.billing import invoices as invoice_services
from joans.contact.services import submit_callback_request
from joans.crm import services as crm
from joans.domains import services as domain_services
from joans.extensions import db
from joans.models import AuditEvent, DataSubjectRequest, Domain, Order, StaffUser
from joans.models.data_requests import IdentityCheck, RequestKind
from joans.models.domains import DomainStatus
from joans.newsletter.subscriptions import is_suppressed
from joans.privacy import requests as data_requests
from joans.privacy.erasure import erase_subject
from joans.privacy.export import build_export
from joans.privacy.identity import IdentityNotChecked, NotAnswerable
from tests.orders import confirmed_order


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
    domain="ended",
) -> Person:
    """One person at their company, in every table that can hold them.

    They ordered hosting and a domain (which staff confirmed, handed to Ilait AB and invoiced),
    left a call-back request, have notes written about them, and asked about their data.
    ``domain`` is "ended" (cancelled since) or "registered" (still theirs).
    """
    street = f"{name[1]}s väg 1"
    domain_name = f"{name[1].lower()}-bygg.se"
    order_id = confirmed_order(
        app, domains=(domain_name,), buyer={
            "company_name": f"{name[1]} Bygg AB", "organisation_number": orgnr,
            "vat_number": None, "first_name": name[0], "last_name": name[1], "street": street,
            "phone": phone, "email": email,
        },
    )  # fmt: skip
    with app.test_request_context("/kontakt"):
        placed = db.session.get(Order, order_id)
        company, contact = placed.company, placed.contact
        domain_services.hand_off_order_domains(placed, actor_id=staff_id)
        invoice_services.issue_invoice(order_id, actor_id=staff_id, today=date(2026, 3, 2))
        (domain_id,) = db.session.scalars(select(Domain.id).where(Domain.order_id == order_id))
        if domain == "registered":
            dates = {"registered_on": date(2026, 3, 3), "expires_on": date(2027, 3, 3)}
            domain_services.confirm_registration(domain_id, actor_id=staff_id, **dates)
        else:
            domain_services.end_domain(domain_id, DomainStatus.CANCELLED, actor_id=staff_id)
        crm.add_note(body=f"{name[0]} ringde från {phone}", actor_id=staff_id, contact=contact)
        crm.add_note(body=f"Avtal med {name[1]} Bygg", actor_id=staff_id, company=company)
        submit_callback_request(name=f"{name[0]} {name[1]}", phone=phone, service=None,
                                language="sv")  # fmt: skip
        request = data_requests.register_request(
            kind=kind, received_on=date(2026, 1, 31), requester_name=f"{name[0]} {name[1]}",
            requester_email=email, language="sv", actor_id=staff_id, contact_id=contact.id,
        )  # fmt: skip
        return Person(company.id, contact.id, request.id,
                      (name[0], name[1], email, phone, orgnr, street, domain_name))  # fmt: skip


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


def verified(person: Person, staff_id: int) -> DataSubjectRequest:
    """The person's request, once staff have confirmed who is asking (in an app context)."""
    request = db.session.get(DataSubjectRequest, person.request_id)
    data_requests.record_identity_check(request, IdentityCheck.EMAIL_ON_FILE, actor_id=staff_id)
    return request


@pytest.fixture
def staff(make_staff):
    return make_staff(role="admin")


def test_erasure_leaves_nothing_but_the_legally_held_invoice_and_request(app, staff):
    """Scan every text column of every table: the person survives only where the law holds."""
    person = seed_person(app, staff.id)
    other = seed_person(app, staff.id, name=("Bo", "Ek"), email="bo@ek.se",
                        phone="+46812345678", orgnr="556677-8899")  # fmt: skip
    with app.test_request_context("/staff/"):
        request = verified(person, staff.id)
        answer = data_requests.erase(request, actor_id=staff.id)
    leftovers = {
        (table, row_id)
        for table, row_id, value in text_values(app)
        for needle in person.values
        if needle in value
    }
    assert {table for table, _ in leftovers} == {"invoice", "invoice_line", "data_subject_request"}
    assert ("data_subject_request", person.request_id) in leftovers
    # Marketing never resumes: the address lives on only as a keyed hash.
    with app.app_context():
        assert is_suppressed("asa@oberg.se") and not is_suppressed("bo@ek.se")
    # The other customer is untouched.
    remaining = " ".join(value for _, _, value in text_values(app))
    assert all(value in remaining for value in other.values)
    # The answer says what went and what was kept, in the requester's language.
    assert "Vi har raderat:" in answer
    assert "kontaktuppgifter" in answer and "företagsuppgifter" in answer
    assert "Dina begäranden till oss om dina uppgifter" in answer
    assert "Fakturor och kreditnotor, som bokföringslagen" in answer
    assert "Ilait AB" in answer  # the recipient that must be told (art. 19)


def test_erasure_is_audited_with_counts_never_values(app, staff):
    """The audit log records that an erasure happened and how much went, nothing erased."""
    person = seed_person(app, staff.id)
    with app.test_request_context("/staff/"):
        request = verified(person, staff.id)
        data_requests.erase(request, actor_id=staff.id)
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "data_request.erased")
        ).one()
        details = json.dumps(
            [e.details for e in db.session.scalars(select(AuditEvent))], ensure_ascii=False
        )
    assert event.details["deleted"] == {
        "company": 1, "contact": 1, "order": 1, "order_line": 2, "domain": 1,
        "newsletter_subscription": 1, "disclosure": 1, "note": 2, "callback_request": 1,
    }  # fmt: skip
    assert event.details["held"] == {"invoice": 1, "invoice_line": 2, "data_subject_request": 1}
    assert event.details["recipients"] == ["Ilait AB"]
    assert not any(value in details for value in person.values)


def test_export_holds_every_record_and_no_secret(app, staff):
    """Every seeded value is in the zip; no password hash, TOTP secret or token is."""
    person = seed_person(app, staff.id, kind=RequestKind.ACCESS)
    with app.test_request_context("/staff/"):
        request = verified(person, staff.id)
        archive = data_requests.export_data(request, actor_id=staff.id)
        user = db.session.get(StaffUser, staff.id)
        secrets = [user.password_hash, user.totp_secret, app.config["SECRET_KEY"]]
    files = zipfile.ZipFile(io.BytesIO(archive))
    tables = ("company", "contact", "order", "order_line", "invoice", "invoice_line", "domain",
              "newsletter_subscription", "disclosure", "note", "callback_request",
              "data_subject_request", "newsletter_suppression")  # fmt: skip
    assert {"cover.txt", "data.json", *(f"{t}.csv" for t in tables)} <= set(files.namelist())
    everything = "".join(files.read(name).decode() for name in files.namelist())
    assert all(value in everything for value in person.values)
    assert not any(secret and secret in everything for secret in secrets)
    data = json.loads(files.read("data.json"))
    assert [row["email"] for row in data["contact"]] == ["asa@oberg.se"]
    assert [row["status"] for row in data["newsletter_subscription"]] == ["subscribed"]
    assert data["newsletter_suppression"] == [
        {"email": "asa@oberg.se", "never_sent_newsletters": False}
    ]
    cover = files.read("cover.txt").decode()
    assert "Dina uppgifter hos Joans" in cover
    assert "Integritetsskyddsmyndigheten (IMY)" in cover
    assert "Ringa upp dig när du ber om det i kontaktformuläret" in cover


def test_a_registered_domain_keeps_its_holder(app, staff):
    """The company and contact holding a registered domain stay, and the answer says why."""
    person = seed_person(app, staff.id, domain="registered")
    with app.test_request_context("/staff/"):
        request = verified(person, staff.id)
        plan = data_requests.erasure_plan(request)
        answer = data_requests.erase(request, actor_id=staff.id)
    assert plan.held_counts["company"] == plan.held_counts["contact"] == 1
    assert plan.held_counts["domain"] == 1
    assert "order" in plan.deleted_counts
    assert "Domännamn som fortfarande är registrerade via Ilait AB" in answer
    with app.app_context():
        assert db.session.get(Domain, db.session.scalar(select(Domain.id))).name == "öberg-bygg.se"


def test_no_caller_exports_or_erases_before_the_identity_is_confirmed(app, staff):
    """The services refuse by themselves: nothing is built, planned, deleted or audited."""
    erasure = seed_person(app, staff.id)
    access = seed_person(app, staff.id, name=("Bo", "Ek"), email="bo@ek.se", phone="+46812345678",
                         orgnr="556677-8899", kind=RequestKind.ACCESS)  # fmt: skip
    before = text_values(app)
    with app.test_request_context("/staff/"):
        to_erase = db.session.get(DataSubjectRequest, erasure.request_id)
        to_export = db.session.get(DataSubjectRequest, access.request_id)
        attempts = {
            "erase": lambda: data_requests.erase(to_erase, actor_id=staff.id),
            "erasure_plan": lambda: data_requests.erasure_plan(to_erase),
            "erase_subject": lambda: erase_subject(to_erase, actor_id=staff.id),
            "export_data": lambda: data_requests.export_data(to_export, actor_id=staff.id),
            "export_summary": lambda: data_requests.export_summary(to_export),
            "build_export": lambda: build_export(to_export),
        }
        attempts["request_to_answer"] = lambda: data_requests.request_to_answer(
            to_erase.id, RequestKind.ERASURE
        )
        refused = []
        for name, attempt in attempts.items():
            with pytest.raises(IdentityNotChecked) as refusal:
                attempt()
            refused.append((name, refusal.value.request_id))
    assert refused == [
        ("erase", erasure.request_id),
        ("erasure_plan", erasure.request_id),
        ("erase_subject", erasure.request_id),
        ("export_data", access.request_id),
        ("export_summary", access.request_id),
        ("build_export", access.request_id),
        ("request_to_answer", erasure.request_id),
    ]
    assert text_values(app) == before
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert not actions & {"data_request.erased", "data_request.exported"}


def test_a_confirmed_request_is_answered_only_as_what_it_asks_for(app, staff):
    """An erasure request is never exported, nor an access request erased, nor a closed one
    answered again."""
    erasure = seed_person(app, staff.id)
    with app.test_request_context("/staff/"):
        request = verified(erasure, staff.id)
        with pytest.raises(NotAnswerable):
            data_requests.export_data(request, actor_id=staff.id)
        assert data_requests.request_to_answer(request.id, RequestKind.ACCESS) is None
        assert data_requests.request_to_answer(request.id, RequestKind.ERASURE) is request
        data_requests.close_request(request, "Answered by letter.", actor_id=staff.id)
        with pytest.raises(NotAnswerable):
            data_requests.erase(request, actor_id=staff.id)
        assert data_requests.request_to_answer(request.id, RequestKind.ERASURE) is None
