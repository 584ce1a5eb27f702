"""The staff search finds companies and contacts however names and numbers are typed."""

from __future__ import annotations

import pytest

from joans.crm import search as crm_search
from joans.crm import services as crm
from joans.extensions import db
from joans.models.crm import Company, Contact


@pytest.fixture
def register(app, make_staff):
    """A small register: two companies and three contacts."""
    actor = make_staff().id
    with app.app_context():
        bygg = crm.create_company(
            {
                "name": "Åkessons Bygg AB",
                "organisation_number": "556036-0793",
                "vat_number": "SE556036079301",
            },
            actor_id=actor,
        )
        solo = crm.create_company(
            {"name": "Eva Konsult", "organisation_number": "19811218-9876"}, actor_id=actor
        )
        for first, last, phone, email, company in [
            ("Anna", "Svensson", "+46701234567", "anna@akessons.se", bygg.id),
            ("Örjan", "Svensson-Berg", "+46812345678", "orjan@example.se", None),
            ("Eva", "Lind", None, "eva@konsult.se", solo.id),
        ]:
            crm.create_contact(
                {
                    "first_name": first,
                    "last_name": last,
                    "phone": phone,
                    "email": email,
                    "company_id": company,
                },
                actor_id=actor,
            )
    return app


def names(app, query):
    """(company names, contact full names) that ``query`` finds."""
    with app.app_context():
        results = crm_search.search(query)
        return (
            [company.name for company in results.companies],
            [contact.full_name for contact in results.contacts],
        )


@pytest.mark.parametrize(
    "query",
    [
        "070-123 45 67",
        "0701234567",
        "+46 70 123 45 67",
        "+46701234567",
        "0046701234567",
        "070-123",
        "(070) 123 45 67",
    ],
)
def test_phone_number_is_found_however_it_is_typed(register, query):
    """`070-123 45 67` finds the contact stored as `+46701234567`, and so do the other forms."""
    assert names(register, query) == ([], ["Anna Svensson"])


@pytest.mark.parametrize(
    "query",
    ["556036-0793", "5560360793", "16556036-0793", "165560360793", "SE556036079301", "se5560"],
)
def test_organisation_and_vat_numbers_find_the_company(register, query):
    """Organisation number with or without hyphen or `16`; VAT number in any case."""
    assert names(register, query) == (["Åkessons Bygg AB"], [])


@pytest.mark.parametrize("query", ["19811218-9876", "811218-9876", "8112189876"])
def test_a_sole_traders_personnummer_finds_the_company(register, query):
    """With or without the century."""
    assert names(register, query)[0] == ["Eva Konsult"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("svensson", ([], ["Anna Svensson", "Örjan Svensson-Berg"])),
        ("SVENS", ([], ["Anna Svensson", "Örjan Svensson-Berg"])),
        ("berg", ([], ["Örjan Svensson-Berg"])),
        ("orjan", ([], ["Örjan Svensson-Berg"])),  # without the accent
        ("örjan", ([], ["Örjan Svensson-Berg"])),
        ("anna svensson", ([], ["Anna Svensson"])),  # every word must match
        ("svensson anna", ([], ["Anna Svensson"])),
        ("akessons", (["Åkessons Bygg AB"], ["Anna Svensson"])),  # her e-mail domain too
        ("bygg ab", (["Åkessons Bygg AB"], [])),
        ("eva", (["Eva Konsult"], ["Eva Lind"])),
        ("anna@akessons.se", ([], ["Anna Svensson"])),
        ("ANNA@AKESSONS", ([], ["Anna Svensson"])),
        ("example.se", ([], ["Örjan Svensson-Berg"])),
        ("zzz", ([], [])),
    ],
)
def test_names_and_addresses_are_found_by_prefix_in_any_case(register, query, expected):
    """Names by the start of any word, any case, with or without accents; e-mail by address."""
    assert names(register, query) == expected


def test_changing_a_record_updates_what_finds_it(register, make_staff):
    """After an edit the old phone number no longer finds the contact and the new one does."""
    with register.app_context():
        contact = db.session.scalar(db.select(Contact).filter_by(first_name="Anna"))
        values = {name: getattr(contact, name) for name in crm.CONTACT_FIELDS}
        crm.update_contact(contact, {**values, "phone": "+46731112233"}, actor_id=make_staff().id)
    assert names(register, "070-123 45 67") == ([], [])
    assert names(register, "073-111 22 33") == ([], ["Anna Svensson"])


def test_counts_and_limits(app, make_staff):
    """Results stop at the limit but the count says how many there are."""
    with app.app_context():
        actor = make_staff().id
        for number in range(7):
            crm.create_company({"name": f"Testbolaget {number}"}, actor_id=actor)
        results = crm_search.search("testbolaget", limit=5)
        assert results.company_count == 7
        assert [company.name for company in results.companies] == [
            f"Testbolaget {n}" for n in range(5)
        ]


@pytest.mark.parametrize(
    "query", ["", "   ", "\x00", "\U0010ffff", "a\ud7ff", "%", "_", "'; drop table company; --"]
)
def test_odd_queries_find_nothing_and_do_not_fail(app, query):
    """Empty, control, boundary and SQL-like queries return results, never an error."""
    with app.app_context():
        db.session.add(Company(name="Riktigt AB"))
        db.session.commit()
        results = crm_search.search(query)
    assert results.companies == []


def test_results_come_in_name_order_and_the_count_stops_past_its_limit(register, monkeypatch):
    """The first matches by name, and a count that says "more than" instead of counting on."""
    monkeypatch.setattr(crm_search, "COUNT_LIMIT", 1)
    with register.app_context():
        results = crm_search.search("svensson", limit=1)
        assert [contact.full_name for contact in results.contacts] == ["Anna Svensson"]
        assert results.contact_count == 2  # COUNT_LIMIT + 1: "more than 1"
        monkeypatch.setattr(crm_search, "COUNT_LIMIT", 1000)
        assert crm_search.search("svensson", limit=1).contact_count == 2
        assert crm_search.search("svensson berg").contact_count == 1
