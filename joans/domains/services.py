"""Domains: handing requests to the registrar, recording what came back, and what ends them.

Every request that carries personal data to the registrar writes a ``Disclosure`` in the same
transaction that records the hand-off (GDPR art. 30(1)(d)): if the request cannot be sent,
neither is written.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from joans.audit import record_event, record_view
from joans.domains.registrar import Holder, Outcome, RegistrarError, get_registrar
from joans.extensions import db
from joans.models.domains import Disclosure, DisclosurePurpose, Domain, DomainStatus
from joans.models.orders import Order
from joans.models.types import local_today, utcnow


class DomainStateError(Exception):
    """The domain is not in a state that allows this step."""


# What staff may end a domain as, from which states.
ENDINGS = {
    DomainStatus.EXPIRED: {DomainStatus.REGISTERED},
    DomainStatus.CANCELLED: {DomainStatus.REQUESTED, DomainStatus.REGISTERED},
}


def holder_of(domain: Domain) -> Holder:
    """The holder's details as the registrar needs them, from the CRM."""
    company, contact = domain.holder_company, domain.holder_contact
    return Holder(
        company_name=company.name,
        organisation_number=company.organisation_number or "",
        first_name=contact.first_name if contact else "",
        last_name=contact.last_name if contact else "",
        street=company.billing_street or "",
        postal_code=company.billing_postal_code or "",
        city=company.billing_city or "",
        phone=(contact.phone or "") if contact else "",
        email=(contact.email or "") if contact else "",
    )


def reference(domain: Domain) -> str:
    """Our reference for a domain in messages to the registrar."""
    return f"D{domain.id}"


def _get(domain_id: int) -> Domain:
    domain = db.session.get(Domain, domain_id, populate_existing=True)
    if domain is None:
        raise DomainStateError("no such domain")
    return domain


def _disclose(domain: Domain, outcome: Outcome, purpose: DisclosurePurpose, actor_id) -> None:
    # The domain's own time stamp (handed_off_at) is set from the same moment.
    db.session.add(
        Disclosure(
            recipient=get_registrar().name,
            fields=list(outcome.disclosed_fields),
            purpose=purpose,
            disclosed_at=domain.handed_off_at if purpose == "domain_registration" else utcnow(),
            company_id=domain.holder_company_id,
            contact_id=domain.holder_contact_id,
            order_id=domain.order_id,
            domain_id=domain.id,
            actor_id=actor_id,
        )
    )


def hand_off_registration(domain_id: int, *, actor_id: int | None) -> Domain:
    """Send a requested domain to the registrar; raises RegistrarError if it did not go."""
    domain = _get(domain_id)
    if domain.status != DomainStatus.REQUESTED or domain.handed_off_at is not None:
        raise DomainStateError("only a requested domain not yet handed off can be sent")
    holder = holder_of(domain)
    try:
        outcome = get_registrar().register(domain.name, holder, reference=reference(domain))
    except RegistrarError:
        db.session.rollback()
        raise
    domain.handed_off_at = utcnow()
    _disclose(domain, outcome, DisclosurePurpose.DOMAIN_REGISTRATION, actor_id)
    if outcome.completed:
        _mark_registered(domain, outcome.registered_on, outcome.expires_on)
    record_event(
        "domain.handed_off",
        actor_id=actor_id,
        subject_type="domain",
        subject_id=domain.id,
        fields=list(outcome.disclosed_fields),
    )
    db.session.commit()
    return domain


def hand_off_order_domains(order: Order, *, actor_id: int | None) -> tuple[int, int]:
    """Send every domain of a confirmed order that is still waiting; returns (sent, failed)."""
    waiting = db.session.scalars(
        select(Domain.id).where(
            Domain.order_id == order.id,
            Domain.status == DomainStatus.REQUESTED,
            Domain.handed_off_at.is_(None),
        )
    ).all()
    sent = failed = 0
    for domain_id in waiting:
        try:
            hand_off_registration(domain_id, actor_id=actor_id)
        except RegistrarError as error:
            failed += 1
            current_app.logger.error(
                "Domain %d was not handed to the registrar (%s)", domain_id, error
            )
        else:
            sent += 1
    return sent, failed


def _mark_registered(domain: Domain, registered_on: date | None, expires_on: date | None) -> None:
    domain.status = DomainStatus.REGISTERED
    domain.registered_on = registered_on
    domain.expires_on = expires_on
    domain.ended_on = None


def confirm_registration(
    domain_id: int, *, registered_on: date, expires_on: date, actor_id: int
) -> Domain:
    """Record the registrar's answer: the domain is registered, and until when."""
    domain = _get(domain_id)
    if domain.status != DomainStatus.REQUESTED or domain.handed_off_at is None:
        raise DomainStateError("only a domain handed to the registrar can be confirmed")
    _mark_registered(domain, registered_on, expires_on)
    record_event(
        "domain.registered", actor_id=actor_id, subject_type="domain", subject_id=domain.id
    )
    db.session.commit()
    return domain


def renew_domain(domain_id: int, *, actor_id: int, years: int = 1) -> Domain:
    """Ask the registrar to renew a registered domain; an API backend's new expiry is saved."""
    domain = _get(domain_id)
    if domain.status != DomainStatus.REGISTERED:
        raise DomainStateError("only a registered domain can be renewed")
    try:
        outcome = get_registrar().renew(domain.name, years=years, reference=reference(domain))
    except RegistrarError:
        db.session.rollback()
        raise
    _disclose(domain, outcome, DisclosurePurpose.DOMAIN_RENEWAL, actor_id)
    if outcome.completed and outcome.expires_on:
        domain.expires_on = outcome.expires_on
    record_event(
        "domain.renewal_requested", actor_id=actor_id, subject_type="domain", subject_id=domain.id
    )
    db.session.commit()
    return domain


def record_expiry(domain_id: int, *, expires_on: date, actor_id: int) -> Domain:
    """Save the expiry date the registrar reported after a renewal."""
    domain = _get(domain_id)
    if domain.status != DomainStatus.REGISTERED:
        raise DomainStateError("only a registered domain has an expiry date to change")
    domain.expires_on = expires_on
    record_event("domain.renewed", actor_id=actor_id, subject_type="domain", subject_id=domain.id)
    db.session.commit()
    return domain


def transfer_out(domain_id: int, *, actor_id: int) -> Domain:
    """Ask the registrar to release the domain to the holder's new provider; it ends today."""
    domain = _get(domain_id)
    if domain.status != DomainStatus.REGISTERED:
        raise DomainStateError("only a registered domain can be transferred out")
    try:
        outcome = get_registrar().transfer_out(domain.name, reference=reference(domain))
    except RegistrarError:
        db.session.rollback()
        raise
    _disclose(domain, outcome, DisclosurePurpose.DOMAIN_TRANSFER_OUT, actor_id)
    domain.status = DomainStatus.TRANSFERRED_OUT
    domain.ended_on = local_today(utcnow())
    record_event(
        "domain.transferred_out", actor_id=actor_id, subject_type="domain", subject_id=domain.id
    )
    db.session.commit()
    return domain


def end_domain(domain_id: int, status: str, *, actor_id: int) -> Domain:
    """Mark a domain expired or cancelled today; the holder-data clock starts."""
    domain = _get(domain_id)
    allowed_from = ENDINGS.get(status)
    if allowed_from is None or domain.status not in allowed_from:
        raise DomainStateError(f"a {domain.status} domain cannot become {status}")
    domain.status = status
    domain.ended_on = local_today(utcnow())
    record_event(
        "domain.ended",
        actor_id=actor_id,
        subject_type="domain",
        subject_id=domain.id,
        status=status,
    )
    db.session.commit()
    return domain


def expiring_domains(*, within_days: int | None = None) -> list[Domain]:
    """Registered domains that expire within ``within_days`` (default from the settings)."""
    days = current_app.config["DOMAIN_EXPIRY_WARNING_DAYS"] if within_days is None else within_days
    last_day = local_today(utcnow()) + timedelta(days=days)
    query = (
        select(Domain)
        .where(Domain.status == DomainStatus.REGISTERED, Domain.expires_on <= last_day)
        .order_by(Domain.expires_on, Domain.id)
    )
    return list(db.session.scalars(query))


def list_domains(*, status: str | None, page: int, per_page: int):
    """Domains by name, optionally of one status, with their holders."""
    query = (
        select(Domain).options(selectinload(Domain.holder_company)).order_by(Domain.name, Domain.id)
    )
    if status:
        query = query.where(Domain.status == status)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def view_domain(domain_id: int, *, actor_id: int) -> Domain | None:
    """Open a domain with its holder; the audit log notes who looked."""
    domain = db.session.get(Domain, domain_id)
    return record_view(domain, "domain.viewed", "domain", actor_id=actor_id)


def disclosures_of(domain: Domain) -> list[Disclosure]:
    """What was sent about a domain, newest first."""
    query = select(Disclosure).where(Disclosure.domain_id == domain.id)
    return list(db.session.scalars(query.order_by(Disclosure.disclosed_at.desc())))
