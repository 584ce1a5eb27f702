"""Retention rules: how long each kind of personal data is kept, and the purge that enforces it.

GDPR art. 5(1)(e) allows personal data to be kept no longer than its purpose needs. Each rule
has a name, which columns name in their declaration (``personal_data(..., retention="callback")``),
says what it deletes or anonymises and why, and finds the rows that have expired at a given time.
``flask privacy purge`` runs every rule; a rule is registered with :func:`register`.

Rules depend on each other: a former customer is kept while it still holds a domain, so the
run that deletes the last domain is what lets the company go. :func:`purge` therefore repeats
the rules until a pass changes nothing, so one daily run does all there is to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import (
    ColumnElement,
    String,
    cast,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from joans.audit import record_event
from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.callbacks import CallbackRequest
from joans.models.consent import ConsentRecord
from joans.models.crm import Company, Contact
from joans.models.data_requests import DataSubjectRequest
from joans.models.domains import Domain
from joans.models.invoices import Invoice
from joans.models.newsletter import FINAL_OUTBOX_STATUSES, OutboxMessage, Suppression
from joans.models.orders import Order
from joans.models.staff import StaffSession, StaffUser
from joans.models.types import local_today


class Action(StrEnum):
    """What happens to an expired row."""

    DELETE = "delete"
    ANONYMISE = "anonymise"

    @property
    def past_tense(self) -> str:
        """ "deleted" or "anonymised", for reports."""
        return self.value + "d"


@dataclass(frozen=True)
class RetentionRule:
    """One retention rule: which rows of ``model`` expire, and what happens to them.

    ``expired(now)`` is the SQL condition an expired row meets at ``now``; ``limit()`` says the
    same in words with the configured values ("older than 30 days"). An ``ANONYMISE`` rule gives
    ``anonymise``, the column values that replace the personal data (a record that must outlive
    the person's data, such as an issued invoice, is blanked instead of deleted).
    """

    name: str
    model: type
    action: Action
    what: str  # what goes, for the operator: "call-back requests nobody marked handled"
    why: str  # the promise or the law that sets the limit
    expired: Callable[[datetime], ColumnElement[bool]]
    limit: Callable[[], str]
    # The same limit for the people the data is about, translated: the privacy page and the
    # record of processing show it ("As long as you are a customer, then 90 days").
    period: Callable[[], str]
    anonymise: dict[str, object] | None = None
    # Rows of other tables that belong to an expiring row and go with it, as (model, the
    # column that points at the expiring row); the database cascades to anything further down.
    dependents: tuple[tuple[type, ColumnElement], ...] = ()

    def count_expired(self, now: datetime) -> int:
        """How many rows have expired at ``now``."""
        query = select(func.count()).select_from(self.model).where(self.expired(now))
        return db.session.scalar(query)

    def apply(self, now: datetime) -> int:
        """Delete or anonymise the rows expired at ``now``; returns how many (caller commits)."""
        expired_ids = select(self.model.id).where(self.expired(now))
        for model, column in self.dependents:
            db.session.execute(delete(model).where(column.in_(expired_ids)))
        if self.action is Action.DELETE:
            statement = delete(self.model).where(self.expired(now))
        else:
            statement = update(self.model).where(self.expired(now)).values(self.anonymise)
        return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


RULES: dict[str, RetentionRule] = {}


def register(rule: RetentionRule) -> RetentionRule:
    """Add ``rule`` to the registry that ``flask privacy purge`` runs."""
    if rule.name in RULES:
        raise ValueError(f"a retention rule named {rule.name!r} already exists")
    if (rule.action is Action.ANONYMISE) != bool(rule.anonymise):
        raise ValueError(f"rule {rule.name!r}: only an anonymise rule says what replaces the data")
    RULES[rule.name] = rule
    return rule


@dataclass(frozen=True)
class PurgeResult:
    """What one rule did (or, in a dry run, would do): counts only, never the rows."""

    rule: RetentionRule
    count: int


# More passes than the longest chain of rules waiting for one another (a domain, then its
# company) will ever need; a rule still changing rows after that never settles and is a bug.
MAX_PASSES = 10


class PurgeDoesNotSettle(RuntimeError):
    """A rule keeps finding rows after it changed them (an anonymise rule that matches its own
    result), so repeating the rules would never end."""


def purge(now: datetime, *, dry_run: bool = False) -> list[PurgeResult]:
    """Run every rule at ``now`` until a pass changes nothing, and commit.

    With ``dry_run`` the same passes run inside the transaction, which is then rolled back: the
    counts are exactly what a real run would change, including rows that only expire once
    another rule has run. The session must hold nothing uncommitted, as the rollback drops it.
    """
    totals = dict.fromkeys(RULES, 0)
    for _pass in range(MAX_PASSES):
        changed = {name: rule.apply(now) for name, rule in RULES.items()}
        for name, count in changed.items():
            totals[name] += count
        if not any(changed.values()):
            break
    else:
        db.session.rollback()
        unsettled = ", ".join(name for name, count in changed.items() if count)
        raise PurgeDoesNotSettle(f"retention rules still changing rows: {unsettled}")
    results = [PurgeResult(rule, totals[name]) for name, rule in RULES.items()]
    if dry_run:
        db.session.rollback()
    else:
        _record_purge(results)
        db.session.commit()
    return results


def _record_purge(results: list[PurgeResult]) -> None:
    for result in results:
        if result.count:
            done = result.rule.action.past_tense
            record_event("privacy.purge", rule=result.rule.name, **{done: result.count})


# --- The rules -------------------------------------------------------------------------------


def _days(setting: str) -> timedelta:
    return timedelta(days=current_app.config[setting])


def _seconds(setting: str) -> timedelta:
    return timedelta(seconds=current_app.config[setting])


def duration(days: int) -> str:
    """A number of days in words, in whole years when it is whole years ("5 years")."""
    if days and days % 365 == 0:
        return ngettext("%(num)d year", "%(num)d years", days // 365)
    return ngettext("%(num)d day", "%(num)d days", days)


def callback_max_age() -> timedelta:
    """How long a call-back request nobody handled is kept (``CALLBACK_MAX_AGE_DAYS``)."""
    return timedelta(days=current_app.config["CALLBACK_MAX_AGE_DAYS"])


def callback_deadline(created_at: datetime) -> datetime:
    """When a call-back request received at ``created_at`` is deleted if nobody handles it."""
    return created_at + callback_max_age()


def _callback_expired(now: datetime) -> ColumnElement[bool]:
    return CallbackRequest.created_at <= now - callback_max_age()


register(
    RetentionRule(
        name="callback",
        model=CallbackRequest,
        action=Action.DELETE,
        what="call-back requests nobody marked handled",
        why="the privacy policy: contact-form data is used only to follow up, then deleted",
        expired=_callback_expired,
        limit=lambda: f"older than {callback_max_age().days} days (CALLBACK_MAX_AGE_DAYS)",
        period=lambda: _(
            "Until we have called you, and at most %(duration)s",
            duration=duration(callback_max_age().days),
        ),
    )
)


register(
    RetentionRule(
        name="consent_log",
        model=ConsentRecord,
        action=Action.DELETE,
        what="records of cookie choices",
        why="GDPR art. 7(1): we must be able to show consent; no longer than a complaint can be "
        "pursued",
        expired=lambda now: ConsentRecord.recorded_at <= now - _days("CONSENT_LOG_RETENTION_DAYS"),
        limit=lambda: (
            f"older than {_days('CONSENT_LOG_RETENTION_DAYS').days} days "
            "(CONSENT_LOG_RETENTION_DAYS)"
        ),
        period=lambda: _(
            "%(duration)s after the choice",
            duration=duration(_days("CONSENT_LOG_RETENTION_DAYS").days),
        ),
    )
)


def _staff_session_expired(now: datetime) -> ColumnElement[bool]:
    return or_(
        StaffSession.ended_at.is_not(None),
        StaffSession.last_seen_at <= now - _seconds("STAFF_IDLE_TIMEOUT"),
        StaffSession.created_at <= now - _seconds("STAFF_ABSOLUTE_TIMEOUT"),
    )


register(
    RetentionRule(
        name="staff_session",
        model=StaffSession,
        action=Action.DELETE,
        what="staff sessions that were logged out or timed out",
        why="a session that can no longer be used has no purpose",
        expired=_staff_session_expired,
        limit=lambda: "ended, idle for STAFF_IDLE_TIMEOUT or older than STAFF_ABSOLUTE_TIMEOUT",
        period=lambda: _("Until the staff member logs out, or the session times out"),
    )
)


def _staff_account_expired(now: datetime) -> ColumnElement[bool]:
    return (
        StaffUser.active.is_(False)
        & (StaffUser.deactivated_at <= now - _days("STAFF_ACCOUNT_RETENTION_DAYS"))
        & (StaffUser.name != "")  # not anonymised yet
    )


register(
    RetentionRule(
        name="staff_account",
        model=StaffUser,
        action=Action.ANONYMISE,
        what="accounts of former staff",
        why="the account stays so the audit trail points somewhere; the person's name, address "
        "and credentials go once the trail no longer needs them",
        expired=_staff_account_expired,
        limit=lambda: (
            f"deactivated {_days('STAFF_ACCOUNT_RETENTION_DAYS').days} days ago "
            "(STAFF_ACCOUNT_RETENTION_DAYS)"
        ),
        # The address stays unique, so the row still satisfies its constraint.
        period=lambda: _(
            "While the person works here, then %(duration)s",
            duration=duration(_days("STAFF_ACCOUNT_RETENTION_DAYS").days),
        ),
        anonymise={
            "name": "",
            "email": "former-staff-" + cast(StaffUser.id, String) + "@invalid",
            "password_hash": None,
            "totp_secret": None,
        },
    )
)


def _invitation_expired(now: datetime) -> ColumnElement[bool]:
    # An invitation is the account itself, created without a password; its link stops working
    # STAFF_INVITATION_MAX_AGE after it was sent. Until the grace period ends the invitee can
    # still get in through "forgot password", so the account waits that long.
    link_expired = now - _seconds("STAFF_INVITATION_MAX_AGE")
    return (
        StaffUser.password_hash.is_(None)
        & (StaffUser.created_at <= link_expired - _days("STAFF_INVITATION_RETENTION_DAYS"))
        & (StaffUser.name != "")  # an anonymised former colleague, not an invitation
    )


register(
    RetentionRule(
        name="staff_invitation",
        model=StaffUser,
        action=Action.DELETE,
        what="accounts of invited people who never chose a password",
        why="an invitation nobody accepted has no purpose once its link has expired; the "
        "account never acted, so no audit trail needs it",
        expired=_invitation_expired,
        limit=lambda: (
            "no password chosen, and the invitation link expired more than "
            f"{_days('STAFF_INVITATION_RETENTION_DAYS').days} days ago "
            "(STAFF_INVITATION_MAX_AGE, STAFF_INVITATION_RETENTION_DAYS)"
        ),
        period=lambda: _(
            "An invitation nobody accepted: %(duration)s after its link expired",
            duration=duration(_days("STAFF_INVITATION_RETENTION_DAYS").days),
        ),
    )
)


def _former_customer(now: datetime) -> ColumnElement[bool]:
    # A company that still holds a domain is kept: the privacy policy keeps domain data for as
    # long as the domain is registered, and the "domain_holder" rule says when that ends.
    return (Company.customer_until <= (now - _days("CUSTOMER_RETENTION_DAYS")).date()) & ~exists(
        select(Domain.id).where(Domain.holder_company_id == Company.id)
    )


register(
    RetentionRule(
        name="customer",
        model=Company,
        action=Action.DELETE,
        what="former customers: the company, its contacts, its orders and the notes about them "
        "(issued invoices are kept apart, by the bookkeeping rule)",
        why="the privacy policy: company and personal data are kept for as long as you are a "
        "customer",
        expired=_former_customer,
        limit=lambda: (
            f"customer until more than {_days('CUSTOMER_RETENTION_DAYS').days} days ago "
            "(CUSTOMER_RETENTION_DAYS), and no domain left"
        ),
        period=lambda: _(
            "As long as you are a customer, then %(duration)s",
            duration=duration(_days("CUSTOMER_RETENTION_DAYS").days),
        ),
        dependents=((Order, Order.company_id), (Contact, Contact.company_id)),
    )
)


def bookkeeping_keep_until(issue_date: date) -> date:
    """The last day an invoice issued on ``issue_date`` must be kept.

    Bokföringslagen 7 kap. 2 §: until the end of the seventh calendar year after the year in
    which the financial year ended. The financial year ends with ``FINANCIAL_YEAR_END_MONTH``;
    an invoice of the calendar year 2025 is kept until 2032-12-31.
    """
    end_month = current_app.config["FINANCIAL_YEAR_END_MONTH"]
    year_ended = issue_date.year if issue_date.month <= end_month else issue_date.year + 1
    return date(year_ended + 7, 12, 31)


def _invoice_expired(now: datetime) -> ColumnElement[bool]:
    # A credit note refers to its invoice, so an invoice waits for its credit note's period too.
    today = local_today(now)
    credit_note = aliased(Invoice)
    return (Invoice.keep_until < today) & ~exists(
        select(credit_note.id).where(
            credit_note.credited_invoice_id == Invoice.id, credit_note.keep_until >= today
        )
    )


register(
    RetentionRule(
        name="bookkeeping",
        model=Invoice,
        action=Action.DELETE,
        what="issued invoices and credit notes, with their buyer details",
        why="bokföringslagen 7 kap. 2 §: kept until the end of the seventh calendar year after "
        "the financial year ended, and no longer",
        expired=_invoice_expired,
        limit=lambda: (
            "past the end of the seventh calendar year after the financial year ended "
            f"(financial years end in month {current_app.config['FINANCIAL_YEAR_END_MONTH']}, "
            "FINANCIAL_YEAR_END_MONTH)"
        ),
        period=lambda: _(
            "Until the end of the seventh year after the financial year (bokföringslagen)"
        ),
    )
)


def _domain_ended(now: datetime) -> ColumnElement[bool]:
    cutoff = local_today(now) - _days("DOMAIN_HOLDER_RETENTION_DAYS")
    return Domain.ended_on.is_not(None) & (Domain.ended_on <= cutoff)


register(
    RetentionRule(
        name="domain_holder",
        model=Domain,
        action=Action.DELETE,
        what="domains that expired, were transferred away or cancelled, with who held them",
        why="the privacy policy: data given for a domain registration is kept for as long as "
        "the domain is registered",
        expired=_domain_ended,
        limit=lambda: (
            f"ended more than {_days('DOMAIN_HOLDER_RETENTION_DAYS').days} days ago "
            "(DOMAIN_HOLDER_RETENTION_DAYS)"
        ),
        period=lambda: _(
            "While the domain is registered, then %(duration)s",
            duration=duration(_days("DOMAIN_HOLDER_RETENTION_DAYS").days),
        ),
    )
)


register(
    RetentionRule(
        name="data_request",
        model=DataSubjectRequest,
        action=Action.DELETE,
        what="answered requests to see, correct or delete data",
        why="GDPR art. 5(2): we must be able to show how a request was answered, for as long as "
        "a complaint about it can be made",
        expired=lambda now: (
            DataSubjectRequest.closed_at <= now - _days("DATA_REQUEST_RETENTION_DAYS")
        ),
        limit=lambda: (
            f"closed more than {_days('DATA_REQUEST_RETENTION_DAYS').days} days ago "
            "(DATA_REQUEST_RETENTION_DAYS)"
        ),
        period=lambda: _(
            "%(duration)s after we answered",
            duration=duration(_days("DATA_REQUEST_RETENTION_DAYS").days),
        ),
    )
)


register(
    RetentionRule(
        name="audit",
        model=AuditEvent,
        action=Action.DELETE,
        what="audit events: who did what to which record, as identifiers and counts",
        why="GDPR art. 5(2): we must be able to show how personal data was handled, for as long "
        "as a complaint about it can be made",
        expired=lambda now: AuditEvent.occurred_at <= now - _days("AUDIT_RETENTION_DAYS"),
        limit=lambda: (
            f"older than {_days('AUDIT_RETENTION_DAYS').days} days (AUDIT_RETENTION_DAYS)"
        ),
        period=lambda: _(
            "The audit log: %(duration)s after each event",
            duration=duration(_days("AUDIT_RETENTION_DAYS").days),
        ),
    )
)


register(
    RetentionRule(
        name="newsletter_suppression",
        model=Suppression,
        action=Action.DELETE,
        what="keyed hashes of addresses that unsubscribed, objected or were erased",
        why="GDPR art. 21(3): an objection to direct marketing holds for good, and only the hash "
        "lets us honour it without keeping the address",
        expired=lambda now: false(),
        limit=lambda: "never: kept for as long as we send newsletters",
        period=lambda: _(
            "For as long as we send newsletters, as a code that cannot be turned back into the "
            "address"
        ),
    )
)


def _outbox_expired(now: datetime) -> ColumnElement[bool]:
    return (
        OutboxMessage.status.in_(FINAL_OUTBOX_STATUSES)
        & (OutboxMessage.finished_at <= now - _days("NEWSLETTER_OUTBOX_RETENTION_DAYS"))
        & OutboxMessage.subscription_id.is_not(None)
    )


register(
    RetentionRule(
        name="newsletter_outbox",
        model=OutboxMessage,
        action=Action.ANONYMISE,
        what="which newsletter went to whom: the outbox row keeps its status, not the recipient",
        why="delivery problems are looked into within weeks; afterwards the counts are enough",
        expired=_outbox_expired,
        limit=lambda: (
            f"sent or given up on more than {_days('NEWSLETTER_OUTBOX_RETENTION_DAYS').days} days "
            "ago (NEWSLETTER_OUTBOX_RETENTION_DAYS)"
        ),
        period=lambda: _(
            "%(duration)s after the newsletter was sent",
            duration=duration(_days("NEWSLETTER_OUTBOX_RETENTION_DAYS").days),
        ),
        anonymise={"subscription_id": None},
    )
)
