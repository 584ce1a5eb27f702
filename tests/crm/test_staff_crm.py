"""The CRM through the back office: companies, contacts, notes, search, audit, escaping."""

from __future__ import annotations

import pytest

from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.crm import Company, Contact, Note

COMPANY = {
    "name": "Exempel Bygg AB",
    "organisation_number": "556036-0793",
    "vat_number": "SE556036079301",
    "billing_street": "Storgatan 1",
    "billing_postal_code": "11122",
    "billing_city": "Stockholm",
    "customer_since": "2024-01-15",
    "customer_until": "",
}
CONTACT = {
    "first_name": "Åsa",
    "last_name": "Öberg",
    "phone": "070-123 45 67",
    "email": "Asa.Oberg@Example.se",
    "company": "",
}


@pytest.fixture
def staff_client(client, login_as_staff):
    """A client logged in as a staff member."""
    client.account = login_as_staff(client)
    return client


def create_company(client, staff_post, **changes):
    """Submit the new-company form; return the response."""
    return staff_post(client, "/staff/companies/new", {**COMPANY, **changes})


def create_contact(client, staff_post, **changes):
    """Submit the new-contact form; return the response."""
    return staff_post(client, "/staff/contacts/new", {**CONTACT, **changes})


def only(app, model):
    """The single row of ``model``."""
    with app.app_context():
        (row,) = db.session.scalars(db.select(model)).all()
        db.session.expunge(row)
        return row


def test_company_is_saved_in_canonical_form(app, staff_client, staff_post):
    """Numbers are stored normalised whatever way they were typed."""
    response = create_company(
        staff_client, staff_post, organisation_number="16 556036 0793",
        vat_number="se 5560360793 01",
        billing_postal_code="111 22",
    )  # fmt: skip
    assert response.status_code == 302
    company = only(app, Company)
    assert (company.organisation_number, company.vat_number, company.billing_postal_code) == (
        "556036-0793",
        "SE556036079301",
        "111 22",
    )
    assert response.headers["Location"] == f"/staff/companies/{company.id}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organisation_number", "556036-0794", "Organisationsnumret är inte giltigt"),
        ("organisation_number", "551036-0794", "Det här är inte ett organisationsnummer"),
        ("organisation_number", "55603", "Ett organisationsnummer har 10 siffror"),
        ("vat_number", "SE556036079401", "Ett svenskt momsregistreringsnummer ser ut så här"),
        ("vat_number", "DE123456789", "Ett svenskt momsregistreringsnummer ser ut så här"),
        ("billing_postal_code", "1234", "Ett postnummer har fem siffror"),
        ("name", "", "Skriv företagets namn."),
        ("customer_until", "2023-01-01", "Slutdatumet kan inte vara före startdatumet."),
        ("customer_since", "15/1/2024", "datum"),
    ],
)
def test_bad_company_input_is_refused_next_to_the_field_and_kept(
    app, staff_client, staff_post, field, value, message
):
    """The form comes back with a Swedish message by the field and everything typed still there."""
    response = create_company(staff_client, staff_post, **{field: value})
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="Storgatan 1"' in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Company.id))) == 0


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("070-123 45 67", "+46701234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("08-123 456 78", "+46812345678"),
    ],
)
def test_phone_numbers_are_stored_in_e164(app, staff_client, staff_post, value, stored):
    """However typed, a phone number is stored as E.164."""
    assert create_contact(staff_client, staff_post, phone=value).status_code == 302
    assert only(app, Contact).phone == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("070-123", "Det här är inte ett giltigt telefonnummer"),
        ("ring mig", "Ange ett telefonnummer"),
    ],
)
def test_bad_phone_numbers_are_refused(staff_client, staff_post, value, message):
    """Only numbers phonenumbers calls valid are accepted."""
    response = create_contact(staff_client, staff_post, phone=value)
    assert response.status_code == 200
    assert message in response.text
    assert 'value="Åsa"' in response.text


def test_sole_traders_personnummer_is_masked_except_in_the_edit_form(app, staff_client, staff_post):
    """List, record page, search and contact form show ****, in the VAT number too (it holds the
    personnummer); only the edit form shows it all."""
    create_company(
        staff_client,
        staff_post,
        name="Anna Konsult",
        organisation_number="811218-9876",
        vat_number="SE 811218-9876 01",
    )
    company = only(app, Company)
    assert company.organisation_number == "19811218-9876"
    assert company.vat_number == "SE811218987601"
    assert company.is_sole_trader
    search = staff_post(staff_client, "/staff/search", {"q": "811218-9876"}, follow_redirects=True)
    pages = [
        staff_client.get("/staff/companies").text,
        staff_client.get(f"/staff/companies/{company.id}").text,
        # The search box keeps what was typed into it; the results show the masked number.
        search.text.replace('value="811218-9876"', ""),
        staff_client.get(f"/staff/contacts/new?company={company.id}").text,
    ]
    for page in pages:
        assert "Anna Konsult" in page
        assert "9876" not in page
    assert "19811218-****" in pages[0]
    assert "SE811218****01" in pages[1]
    edit_form = staff_client.get(f"/staff/companies/{company.id}/edit").text
    assert "19811218-9876" in edit_form
    assert "SE811218987601" in edit_form


def test_a_companys_vat_number_is_shown_whole(app, staff_client, staff_post):
    """Only a personnummer is masked: an organisation's VAT number is public and shown as is."""
    create_company(staff_client, staff_post)
    page = staff_client.get(f"/staff/companies/{only(app, Company).id}").text
    assert "SE556036079301" in page


def test_duplicate_organisation_number_warns_and_saves_only_when_confirmed(
    app, staff_client, staff_post
):
    """A second company with the same number gets a warning linking the first; ticking saves."""
    create_company(staff_client, staff_post)
    first = only(app, Company)
    warned = create_company(staff_client, staff_post, name="Exempel Bygg i Sverige AB")
    assert warned.status_code == 200
    assert "Ett annat företag har samma organisationsnummer" in warned.text
    assert f'href="/staff/companies/{first.id}"' in warned.text
    confirmed = create_company(
        staff_client, staff_post, name="Exempel Bygg i Sverige AB", confirm_duplicate="y"
    )
    assert confirmed.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Company.id))) == 2


def test_duplicate_email_warns(app, staff_client, staff_post):
    """The same address (in any case) on a second contact needs confirmation."""
    create_contact(staff_client, staff_post)
    warned = create_contact(
        staff_client, staff_post, first_name="Anna", email="ASA.OBERG@example.se"
    )
    assert "En annan kontakt har samma e-postadress" in warned.text
    assert (
        create_contact(
            staff_client,
            staff_post,
            first_name="Anna",
            email="asa.oberg@example.se",
            confirm_duplicate="y",
        ).status_code
        == 302
    )


def test_contact_is_linked_to_a_company_by_organisation_number_or_name(
    app, staff_client, staff_post
):
    """The company field takes the number in any format, or the exact name."""
    create_company(staff_client, staff_post)
    company = only(app, Company)
    assert create_contact(staff_client, staff_post, company="5560360793").status_code == 302
    assert (
        create_contact(
            staff_client, staff_post, company="Exempel Bygg AB", email="b@example.se"
        ).status_code
        == 302
    )
    refused = create_contact(
        staff_client, staff_post, company="Finns Inte AB", email="c@example.se"
    )
    assert "Inget företag har det organisationsnumret eller namnet." in refused.text
    with app.app_context():
        assert {contact.company_id for contact in db.session.scalars(db.select(Contact))} == {
            company.id
        }


def test_editing_records_changes_and_audits_field_names_only(app, staff_client, staff_post):
    """The audit event lists which fields changed, never the old or new values."""
    create_contact(staff_client, staff_post)
    contact = only(app, Contact)
    response = staff_post(
        staff_client,
        f"/staff/contacts/{contact.id}/edit",
        {**CONTACT, "phone": "070-765 43 21", "last_name": "Berg"},
    )
    assert response.headers["Location"] == f"/staff/contacts/{contact.id}"
    assert only(app, Contact).phone == "+46707654321"
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="contact.updated"))
    assert sorted(event.details["fields"]) == ["last_name", "phone"]
    assert "Berg" not in repr(event.details) and "4321" not in repr(event.details)


def test_every_view_of_a_record_is_audited(app, staff_client, staff_post):
    """Opening a contact or company page writes who looked at which record."""
    create_contact(staff_client, staff_post)
    contact = only(app, Contact)
    staff_client.get(f"/staff/contacts/{contact.id}")
    staff_client.get(f"/staff/contacts/{contact.id}/edit")
    with app.app_context():
        views = db.session.scalars(db.select(AuditEvent).filter_by(action="contact.viewed")).all()
    assert [(event.actor_id, event.subject_id, event.details["purpose"]) for event in views] == [
        (staff_client.account.id, contact.id, "view"),
        (staff_client.account.id, contact.id, "edit"),
    ]


def test_notes_are_appended_newest_first_and_cannot_be_changed(app, staff_client, staff_post):
    """Notes pile up with author and time; no route edits or deletes them."""
    create_company(staff_client, staff_post)
    company = only(app, Company)
    for body in ("Ringde om offert.\nSkickar imorgon.", "Offert skickad."):
        response = staff_post(staff_client, f"/staff/companies/{company.id}/notes", {"body": body})
        assert response.headers["Location"] == f"/staff/companies/{company.id}"
    page = staff_client.get(f"/staff/companies/{company.id}").text
    assert page.index("Offert skickad.") < page.index("Ringde om offert.")
    assert "Testa Testsson" in page
    empty = staff_post(staff_client, f"/staff/companies/{company.id}/notes", {"body": "  "})
    assert "Skriv anteckningen först." in empty.text
    note_rules = [rule for rule in app.url_map.iter_rules() if "note" in rule.rule]
    assert all(rule.methods - {"HEAD", "OPTIONS"} == {"POST"} for rule in note_rules)
    assert not any("<int:note_id>" in rule.rule for rule in note_rules)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Note.id))) == 2


SCRIPT = '<script>alert("x")</script>'


def test_script_like_input_in_every_field_comes_back_escaped(app, staff_client, staff_post):
    """Every text field accepts `<script>` as text and every page shows it as text."""
    create_company(
        staff_client, staff_post, name=SCRIPT, billing_street=SCRIPT, billing_city=SCRIPT,
        organisation_number="", vat_number="",
    )  # fmt: skip
    company = only(app, Company)
    create_contact(
        staff_client,
        staff_post,
        first_name=SCRIPT,
        last_name=SCRIPT,
        email="",
        phone="",
        company="",
    )
    contact = only(app, Contact)
    staff_post(staff_client, f"/staff/companies/{company.id}/notes", {"body": SCRIPT})
    staff_post(staff_client, f"/staff/contacts/{contact.id}/notes", {"body": SCRIPT})
    invalid = create_contact(staff_client, staff_post, phone=SCRIPT, email=SCRIPT, company=SCRIPT)
    search = staff_post(staff_client, "/staff/search", {"q": SCRIPT}, follow_redirects=True)
    pages = [
        staff_client.get("/staff/companies").text,
        staff_client.get("/staff/contacts").text,
        staff_client.get(f"/staff/companies/{company.id}").text,
        staff_client.get(f"/staff/companies/{company.id}/edit").text,
        staff_client.get(f"/staff/contacts/{contact.id}").text,
        staff_client.get(f"/staff/contacts/{contact.id}/edit").text,
        invalid.text,
        search.text,
    ]
    for page in pages:
        assert SCRIPT not in page
        assert "&lt;script&gt;" in page


def test_control_characters_are_removed_not_a_server_error(app, staff_client, staff_post):
    """A NUL byte or other control character in a field is dropped (PostgreSQL refuses NUL)."""
    response = create_company(staff_client, staff_post, name="Noll\x00 Byte\x07 AB")
    assert response.status_code == 302
    assert only(app, Company).name == "Noll Byte AB"
    search = staff_post(staff_client, "/staff/search", {"q": "no\x00ll"}, follow_redirects=True)
    assert search.status_code == 200


def test_lists_are_paginated_and_sortable(app, staff_client):
    """Fifty rows a page, in the chosen order, with links to the other pages."""
    with app.app_context():
        db.session.add_all(Company(name=f"Företag {number:03d}") for number in range(120))
        db.session.commit()
    first = staff_client.get("/staff/companies").text
    assert "Företag 000" in first and "Företag 049" in first and "Företag 050" not in first
    assert "Sida 1 av 3" in first
    last = staff_client.get("/staff/companies?page=3").text
    assert "Företag 119" in last and "Företag 099" not in last
    descending = staff_client.get("/staff/companies?sort=name&dir=desc").text
    assert descending.index("Företag 119") < descending.index("Företag 118")
    assert 'aria-sort="descending"' in descending
    assert staff_client.get("/staff/companies?sort=nonsense&page=-4").status_code == 200
    assert staff_client.get("/staff/companies?page=999").status_code == 200
