"""Server time of the staff search and list pages with 20,000 companies and 100,000 contacts.

For SQLite and for PostgreSQL: a fresh database built with the migrations, seeded, a login
through the real login page, then each page timed in-process (WSGI call to response, no
network), 30 times after a warm-up. The budget is a 50 ms median per page.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from datetime import UTC, date, datetime

from sqlalchemy import insert, text

from bench.databases import database
from joans import create_app
from joans.crm import search as crm_search
from joans.extensions import db
from joans.models.crm import Company, Contact, SearchTerm
from joans.staff import users

BUDGET_MS = 50.0
PASSWORD = "bench password, long enough"  # noqa: S105 - a throwaway bench account
FIRST = [
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Sara",
    "Lena",
    "Emma",
    "Kerstin",
    "Ingrid",
    "Malin",
    "Linnea",
    "Elsa",
    "Astrid",
    "Åsa",
    "Märta",
    "Lars",
    "Mikael",
    "Anders",
    "Johan",
    "Erik",
    "Per",
    "Karl",
    "Peter",
    "Jan",
    "Thomas",
    "Daniel",
    "Fredrik",
    "Hans",
    "Björn",
    "Örjan",
    "Oskar",
    "Nils",
    "Gustav",
    "Ebba",
    "Olle",
]
LAST = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Olofsson",
    "Lindström",
    "Lindqvist",
    "Lindgren",
    "Berg",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Lind",
    "Lundgren",
    "Lundqvist",
    "Mattsson",
    "Berglund",
    "Fredriksson",
    "Sandberg",
    "Henriksson",
    "Forsberg",
    "Sjöberg",
    "Wallin",
    "Engström",
    "Åberg",
    "Ström",
    "Öberg",
    "Holm",
    "Nyberg",
    "Söderberg",
]
WORDS = [
    "Bygg",
    "El",
    "Rör",
    "Måleri",
    "Data",
    "Konsult",
    "Design",
    "Media",
    "Städ",
    "Transport",
    "Trädgård",
    "Café",
    "Bageri",
    "Frisör",
    "Redovisning",
    "Juridik",
    "Fastighet",
    "Teknik",
    "Marin",
    "Skog",
    "Foto",
    "Reklam",
    "Event",
    "Hälsa",
    "Tandvård",
    "Bil",
    "Åkeri",
    "Snickeri",
    "Glas",
    "Plåt",
    "Ventilation",
    "Låssmed",
]
PLACES = [
    "Stockholm",
    "Göteborg",
    "Malmö",
    "Uppsala",
    "Västerås",
    "Örebro",
    "Linköping",
    "Helsingborg",
    "Jönköping",
    "Norrköping",
    "Lund",
    "Umeå",
    "Gävle",
    "Borås",
    "Södertälje",
    "Eskilstuna",
    "Halmstad",
    "Växjö",
    "Karlstad",
]
FORMS = ("AB", "HB", "KB", "& Co", "i Sverige AB", "Sverige AB", "Nordic AB")


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits``."""
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def organisation_number(rng: random.Random, used: set[str]) -> str:
    """A valid, unused organisation number NNNNNN-NNNN (digits 3-4 at least 20)."""
    while True:
        first = str(rng.choice([5, 7, 8, 9]))
        body = (
            first
            + str(rng.randint(5, 9))
            + str(rng.randint(20, 99))
            + f"{rng.randint(0, 99999):05d}"
        )
        number = f"{body[:6]}-{body[6:]}{luhn_digit(body)}"
        if number not in used:
            used.add(number)
            return number


def seed(app, companies: int, contacts: int, rng: random.Random) -> dict:
    """Fill the CRM with generated companies and contacts, indexed for search."""
    now = datetime.now(UTC)
    used: set[str] = set()
    with app.app_context():
        company_rows = []
        for index in range(1, companies + 1):
            city = rng.choice(PLACES)
            name = f"{rng.choice(LAST)}s {rng.choice(WORDS)} {rng.choice(FORMS)}"
            org = organisation_number(rng, used)
            company_rows.append({
                "id": index, "name": name, "organisation_number": org,
                "vat_number": "SE" + org.replace("-", "") + "01",
                "billing_street": f"Storgatan {rng.randint(1, 99)}",
                "billing_postal_code": f"{rng.randint(100, 999)} {rng.randint(10, 99)}",
                "billing_city": city,
                "customer_since": date(rng.randint(2010, 2025), rng.randint(1, 12), 1),
                "customer_until": None, "created_at": now, "updated_at": now,
            })  # fmt: skip
        contact_rows = []
        phones: set[str] = {"+46701234567"}
        for index in range(1, contacts + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if index == 1:
                phone = "+46701234567"
            else:
                while (phone := f"+467{rng.choice('0236')}{rng.randint(0, 9999999):07d}") in phones:
                    pass
                phones.add(phone)
            domain = (
                re.sub(r"[^a-z]", "", crm_search.fold(rng.choice(WORDS))) + f"{index % 5000}.se"
            )
            email = f"{crm_search.fold(first)}.{crm_search.fold(last)}{index}@{domain}"
            contact_rows.append({
                "id": index, "first_name": first, "last_name": last, "phone": phone,
                "email": email, "company_id": rng.randint(1, companies),
                "created_at": now, "updated_at": now,
            })  # fmt: skip
        db.session.execute(insert(Company), company_rows)
        db.session.execute(insert(Contact), contact_rows)
        terms = []
        for row in company_rows:
            company = Company(**row)
            key = crm_search.company_sort_key(company)
            terms += [
                {"term": term, "sort_key": key, "company_id": row["id"], "contact_id": None}
                for term in crm_search.company_terms(company)
            ]
        for row in contact_rows:
            contact = Contact(**row)
            key = crm_search.contact_sort_key(contact)
            terms += [
                {"term": term, "sort_key": key, "company_id": None, "contact_id": row["id"]}
                for term in crm_search.contact_terms(contact)
            ]
        db.session.execute(insert(SearchTerm), terms)
        db.session.commit()
        # Statistics (and on PostgreSQL the visibility map), as a running database has them.
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
        sample = company_rows[rng.randint(0, companies - 1)]
        return {
            "company_name_word": sample["name"].split()[0][:6],
            "organisation_number": sample["organisation_number"],
            "email": contact_rows[rng.randint(0, contacts - 1)]["email"],
            "terms": len(terms),
        }


def timed(client, method: str, url: str, runs: int, **options) -> dict:
    """Median and 95th percentile of ``runs`` requests, after one warm-up."""
    getattr(client, method)(url, **options)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = getattr(client, method)(url, **options)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code in {200, 302}, (url, response.status_code)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "runs": runs,
    }


def measure(app, runs: int, probes: dict) -> dict:
    """Log in and time every list page and search."""
    with app.app_context():
        users.create_staff_user("bench@joans.se", name="Bench", password=PASSWORD)
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/staff/login").text)[1]
    login = client.post(
        "/staff/login", data={"email": "bench@joans.se", "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 302
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/staff/").text)[1]
    pages = {
        "companies, page 1 by name": "/staff/companies",
        "companies, page 200 by name": "/staff/companies?page=200",
        "companies, last page by name": "/staff/companies?page=400",
        "companies, by customer since, descending": "/staff/companies?sort=customer_since&dir=desc",
        "contacts, page 1 by last name": "/staff/contacts",
        "contacts, page 1000 by last name": "/staff/contacts?page=1000",
        "contacts, last page by last name": "/staff/contacts?page=2000",
        "contacts, by e-mail": "/staff/contacts?sort=email",
    }
    results = {name: timed(client, "get", url, runs) for name, url in pages.items()}
    searches = {
        "phone as typed: 070-123 45 67": "070-123 45 67",
        "phone international: +46 70 123 45 67": "+46 70 123 45 67",
        "organisation number": probes["organisation_number"],
        "e-mail address": probes["email"],
        "company name word": probes["company_name_word"],
        "common last name: andersson": "andersson",
        "first and last name: anna sv": "anna sv",
        "two letters: sv": "sv",
        "no match: zzzz": "zzzz",
    }
    for name, query in searches.items():
        submit = timed(
            client, "post", "/staff/search", runs, data={"q": query, "csrf_token": token}
        )
        results[f"search {name} (POST)"] = submit
        results[f"search {name} (results page)"] = timed(client, "get", "/staff/search", runs)
        if query != "zzzz":
            assert "/staff/contacts/" in client.get(
                "/staff/search"
            ).text or "/staff/companies/" in (client.get("/staff/search").text), (
                f"{name} found nothing"
            )
    return results


COMPANIES = 20_000
CONTACTS = 100_000
RUNS = 30


def measure_on(kind: str) -> dict:
    """Seed a fresh database of ``kind`` and time every page on it."""
    with database(kind) as url:
        app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench",
                          "STAFF_LOGIN_LIMIT_PER_IP": "1000 per minute"})  # fmt: skip
        started = time.perf_counter()
        rng = random.Random(20261124)  # noqa: S311 - made-up data, not secrets
        probes = seed(app, COMPANIES, CONTACTS, rng)
        seeded_s = time.perf_counter() - started
        results = measure(app, RUNS, probes)
        with app.app_context():
            db.engine.dispose()
    return {
        "database": kind,
        "search_terms": probes["terms"],
        "seed_seconds": round(seeded_s, 1),
        "results": results,
    }


def run() -> dict:
    """The staff pages on SQLite and on PostgreSQL."""
    return {
        "area": "staff_search",
        "command": "make bench BENCH=staff_search",
        "companies": COMPANIES,
        "contacts": CONTACTS,
        "rows": [measure_on(kind) for kind in ("sqlite", "postgresql")],
        "targets": {"median_ms": BUDGET_MS},
    }
