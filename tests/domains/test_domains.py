"""Domains: names, the hand-off to Ilait AB's partner desk, disclosures, and the registrar seam."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from joans.domains import services as domain_service
from joans.domains.registrar import Availability, Holder, Outcome, Registrar, RegistrarError
from joans.extensions import db
from joans.models.crm import Company
from joans.models.domains import Disclosure, Domain, DomainStatus
from joans.orders import services as order_service
from joans.validation import domain_to_ascii, normalise_domain_name
from tests.orders import make_order

TLDS = frozenset({"se", "nu", "com"})
DESK = "partner-desk@ilait.example"

# --- Domain names (CHECKLISTS.md "Swedish data validation") -----------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("example.se", "example.se"),
        ("Example.SE", "example.se"),
        (" example.se. ", "example.se"),
        ("Räksmörgås.se", "räksmörgås.se"),
        ("xn--rksmrgs-5wao1o.se", "räksmörgås.se"),  # the ACE form is stored as Unicode
        ("a.nu", "a.nu"),  # one character is enough
        ("x" * 63 + ".se", "x" * 63 + ".se"),
        ("joans-webb.com", "joans-webb.com"),
        ("8112189876.com", "8112189876.com"),  # the personnummer rule is .se's and .nu's
    ],
)
def test_domain_names_are_idna_normalised(typed, stored):
    """UTS 46 mapping to lower-case Unicode; a trailing dot and spaces go."""
    assert normalise_domain_name(typed, TLDS) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Type a domain name"),
        ("-example.se", "start or end with a hyphen"),
        ("example-.se", "start or end with a hyphen"),
        ("ab--cd.se", "third and fourth"),
        ("x" * 64 + ".se", "at most 63"),
        ("ö" * 60 + ".se", "at most 63"),  # 63 is the limit in the xn-- form
        ("ex_ample.se", "letters, digits and hyphens"),
        ("😀.se", "letters, digits and hyphens"),
        ("ex ample.se", "Type a domain name"),
        ("www.example.se", "without www"),
        ("example", "without www"),
        ("example.org", "ending in .com, .nu, .se"),
        ("8112189876.se", "personal identity number"),
        ("811218-9876.nu", "personal identity number"),
        ("198112189876.se", "personal identity number"),
        ("19811218-9875.se", "personal identity number"),  # wrong check digit: looks like one
        ("811278-9876.se", "personal identity number"),  # a samordningsnummer (day + 60)
    ],
)
def test_bad_domain_names_are_refused_with_a_reason(app, typed, reason):
    """Each rule has its own message, so the buyer knows what to change."""
    with app.test_request_context("/en/"), pytest.raises(ValueError) as error:
        normalise_domain_name(typed, TLDS)
    assert reason in str(error.value.args[0])


def test_ten_digits_that_are_not_a_date_are_a_name_like_any_other():
    """1234567890.se has no month 56: it does not look like a personnummer."""
    assert normalise_domain_name("1234567890.se", TLDS) == "1234567890.se"


def test_the_dns_spelling_of_a_stored_name():
    """Registries want the ACE form."""
    assert domain_to_ascii("räksmörgås.se") == "xn--rksmrgs-5wao1o.se"


# --- The hand-off -----------------------------------------------------------------------------


@pytest.fixture
def app_config(smtp_server):
    """Mail goes to a real SMTP server; the partner desk has an address."""
    return {**smtp_server.app_config, "REGISTRAR_EMAIL": DESK}


def requested_domain(app, name="räksmörgås.se") -> int:
    make_order(app, domains=(name,))
    with app.app_context():
        return db.session.scalar(select(Domain.id).where(Domain.name == name))


def test_an_order_requests_its_domains_with_the_buyer_as_holder(app):
    """Placing an order writes a requested domain held by the company, not yet handed off."""
    domain_id = requested_domain(app)
    with app.app_context():
        domain = db.session.get(Domain, domain_id)
        assert domain.status == DomainStatus.REQUESTED
        assert domain.handed_off_at is None
        assert domain.holder_company.organisation_number == "556036-0793"
        assert domain.holder_contact.email == "anna@example.se"
        assert domain.registrar == "Ilait AB"
        assert db.session.scalar(select(func.count()).select_from(Disclosure)) == 0


def test_the_hand_off_is_a_structured_e_mail_and_a_disclosure_row(app, smtp_server):
    """One e-mail to the desk with a line per field, and a Disclosure naming those fields."""
    domain_id = requested_domain(app)
    with (
        app.test_request_context(),
        time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False),
    ):
        domain_service.hand_off_registration(domain_id, actor_id=None)
    staff_and_buyer = len(smtp_server.messages)
    (message,) = [m for m in smtp_server.messages if m["To"] == DESK]
    assert staff_and_buyer >= 1
    assert message["From"] == app.config["ORDERS_SENDER"]
    assert message["Subject"] == f"Domänregistrering xn--rksmrgs-5wao1o.se, ref. D{domain_id}"
    body = message.get_body(("plain",)).get_content()
    for line in (
        f"Vår referens: D{domain_id}",
        "Domännamn: räksmörgås.se",
        "Domännamn (ACE): xn--rksmrgs-5wao1o.se",
        "Företagsnamn: Exempel AB",
        "Organisationsnummer: 556036-0793",
        "Kontaktpersonens förnamn: Anna",
        "Kontaktpersonens efternamn: Andersson",
        "Gatuadress: Storgatan 1",
        "Postnummer: 111 22",
        "Ort: Stockholm",
        "Telefon: +46701234567",
        "E-post: anna@example.se",
    ):
        assert line in body, line
    with app.app_context():
        (disclosure,) = db.session.scalars(select(Disclosure)).all()
        domain = db.session.get(Domain, domain_id)
        assert disclosure.recipient == "Ilait AB"
        assert disclosure.fields == ["domain_name", *Holder.field_names()]
        assert disclosure.purpose == "domain_registration"
        assert disclosure.disclosed_at == datetime(2026, 3, 2, 9, tzinfo=UTC)
        assert (disclosure.domain_id, disclosure.order_id) == (domain.id, domain.order_id)
        assert disclosure.company_id == domain.holder_company_id
        assert domain.handed_off_at == disclosure.disclosed_at
        assert domain.status == DomainStatus.REQUESTED  # until staff record the answer


def test_a_hand_off_that_does_not_reach_the_desk_discloses_nothing(app, smtp_server):
    """The SMTP server refuses: RegistrarError, no Disclosure, the domain still waits."""
    smtp_server.refuse[DESK] = "550 No such user"
    domain_id = requested_domain(app)
    with app.test_request_context(), pytest.raises(RegistrarError):
        domain_service.hand_off_registration(domain_id, actor_id=None)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Disclosure)) == 0
        assert db.session.get(Domain, domain_id).handed_off_at is None


def test_without_a_desk_address_nothing_is_handed_off(app):
    """REGISTRAR_EMAIL unset: refused before anything is sent or logged."""
    app.config["REGISTRAR_EMAIL"] = None
    domain_id = requested_domain(app)
    with app.test_request_context(), pytest.raises(RegistrarError):
        domain_service.hand_off_registration(domain_id, actor_id=None)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Disclosure)) == 0


def test_staff_record_the_registration_then_renewal_and_transfer_are_disclosed(app, smtp_server):
    """Registered with dates; a renewal and a transfer out each send the name and log it."""
    domain_id = requested_domain(app, "exempel.se")
    with app.test_request_context():
        domain_service.hand_off_registration(domain_id, actor_id=None)
        domain_service.confirm_registration(
            domain_id, registered_on=date(2026, 3, 3), expires_on=date(2027, 3, 3), actor_id=None
        )
        domain_service.renew_domain(domain_id, actor_id=None)
        domain_service.record_expiry(domain_id, expires_on=date(2028, 3, 3), actor_id=None)
        domain_service.transfer_out(domain_id, actor_id=None)
        domain = db.session.get(Domain, domain_id)
        assert domain.status == DomainStatus.TRANSFERRED_OUT
        assert (domain.registered_on, domain.expires_on) == (date(2026, 3, 3), date(2028, 3, 3))
        assert domain.ended_on is not None
        purposes = db.session.scalars(select(Disclosure.purpose).order_by(Disclosure.id)).all()
        fields = db.session.scalars(select(Disclosure.fields).order_by(Disclosure.id)).all()
    assert purposes == ["domain_registration", "domain_renewal", "domain_transfer_out"]
    assert fields[1:] == [["domain_name"], ["domain_name"]]
    desk_subjects = [m["Subject"] for m in smtp_server.messages if m["To"] == DESK]
    assert desk_subjects[1:] == [
        f"Förnyelse av domän exempel.se, ref. D{domain_id}",
        f"Utflytt av domän exempel.se, ref. D{domain_id}",
    ]


def test_steps_out_of_order_are_refused(app):
    """A domain never handed off cannot be confirmed; a requested one cannot be renewed."""
    domain_id = requested_domain(app)
    with app.app_context():
        with pytest.raises(domain_service.DomainStateError):
            domain_service.confirm_registration(
                domain_id, registered_on=date(2026, 1, 1), expires_on=date(2027, 1, 1),
                actor_id=None,
            )  # fmt: skip
        with pytest.raises(domain_service.DomainStateError):
            domain_service.renew_domain(domain_id, actor_id=None)
        with pytest.raises(domain_service.DomainStateError):
            domain_service.end_domain(domain_id, DomainStatus.EXPIRED, actor_id=None)


# --- Another backend, chosen by configuration -------------------------------------------------


class InstantRegistrar(Registrar):
    """A registrar with an API: it answers at once, with dates."""

    def __init__(self, app) -> None:
        self.name = "Instant Registrar AB"

    def check_availability(self, domain_name: str) -> Availability:
        return Availability.TAKEN if domain_name.startswith("taken") else Availability.AVAILABLE

    def register(self, domain_name, holder, *, reference) -> Outcome:
        return Outcome(
            disclosed_fields=("domain_name", "company_name", "organisation_number"),
            completed=True,
            registered_on=date(2026, 3, 2),
            expires_on=date(2027, 3, 2),
        )

    def renew(self, domain_name, *, years, reference) -> Outcome:
        return Outcome(disclosed_fields=("domain_name",), completed=True,
                       expires_on=date(2028, 3, 2))  # fmt: skip

    def transfer_out(self, domain_name, *, reference) -> Outcome:
        return Outcome(disclosed_fields=("domain_name",), completed=True)


def test_an_api_backend_replaces_the_desk_through_configuration_alone(app):
    """REGISTRAR_BACKEND names another class: registration completes with its dates, renewal
    saves its expiry, availability is asked, and disclosures name the new recipient."""
    app.config["REGISTRAR_BACKEND"] = f"{__name__}:InstantRegistrar"
    domain_id = requested_domain(app, "fri.se")
    with app.test_request_context("/en/order"):
        assert order_service.domain_problem("taken.se") == "This domain name is already taken."
        assert order_service.domain_problem("fri.se") is not None  # ours already
        domain_service.hand_off_registration(domain_id, actor_id=None)
        domain = db.session.get(Domain, domain_id)
        assert domain.status == DomainStatus.REGISTERED
        assert (domain.registered_on, domain.expires_on) == (date(2026, 3, 2), date(2027, 3, 2))
        domain_service.renew_domain(domain_id, actor_id=None)
        assert db.session.get(Domain, domain_id).expires_on == date(2028, 3, 2)
        recipients = set(db.session.scalars(select(Disclosure.recipient)))
    assert recipients == {"Instant Registrar AB"}


def test_a_backend_that_is_not_a_registrar_stops_the_app_at_start_up(app):
    """A typo in REGISTRAR_BACKEND fails when the app starts, not at the first order."""
    from joans import create_app

    with pytest.raises(TypeError):
        create_app({**app.config, "REGISTRAR_BACKEND": "joans.validation:Normalised"})


# --- Keeping and deleting ---------------------------------------------------------------------


def test_holder_data_is_kept_while_the_domain_lives_and_a_while_after(app):
    """The company outlives its customership while it holds a domain; the domain goes
    DOMAIN_HOLDER_RETENTION_DAYS after it ended, and the company with it in the same run. The
    dry run predicts both, and a second run finds nothing more."""
    from joans.privacy.retention import purge

    def counts(results) -> dict[str, int]:
        return {result.rule.name: result.count for result in results if result.count}

    domain_id = requested_domain(app, "bygg.se")
    with app.app_context():
        company = db.session.scalar(select(Company))
        company.customer_until = date(2026, 1, 1)
        domain = db.session.get(Domain, domain_id)
        domain.status, domain.ended_on = DomainStatus.CANCELLED, date(2026, 6, 1)
        db.session.commit()
        purge(datetime(2026, 8, 29, 12, tzinfo=UTC))  # 89 days after the domain ended
        assert db.session.get(Domain, domain_id) is not None
        assert db.session.scalar(select(func.count()).select_from(Company)) == 1
        ended = datetime(2026, 8, 30, 12, tzinfo=UTC)  # 90 days: the domain goes
        predicted = counts(purge(ended, dry_run=True))
        assert db.session.get(Domain, domain_id) is not None  # the dry run changed nothing
        assert predicted == counts(purge(ended)) == {"domain_holder": 1, "customer": 1}
        assert db.session.get(Domain, domain_id) is None
        assert db.session.scalar(select(func.count()).select_from(Company)) == 0
        assert counts(purge(ended)) == {}
