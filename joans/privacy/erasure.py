"""Right to erasure (GDPR art. 17): delete everything about a subject that no law makes us keep,
in one transaction, and say what was kept, why and until when, and whom to tell (art. 19)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete

from joans.audit import record_event
from joans.extensions import db
from joans.models.data_requests import DataSubjectRequest, RequestKind
from joans.newsletter.subscriptions import suppress_erased_address
from joans.privacy.identity import ensure_answerable
from joans.privacy.subjects import (
    LINKS,
    Hold,
    Link,
    Subject,
    email_addresses,
    recipients_for,
    rows_for,
    subject_of,
)


@dataclass
class ErasurePlan:
    """What erasure would delete and what it must keep, per table."""

    deleted: dict[str, list] = field(default_factory=dict)
    held: dict[str, list[tuple[object, Hold]]] = field(default_factory=dict)
    # Who received the data and must be told of the erasure (GDPR art. 19).
    recipients: list[str] = field(default_factory=list)

    @property
    def deleted_counts(self) -> dict[str, int]:
        """Rows to delete per table (tables with none left out)."""
        return {name: len(rows) for name, rows in self.deleted.items() if rows}

    @property
    def held_counts(self) -> dict[str, int]:
        """Rows kept per table (tables with none left out)."""
        return {name: len(rows) for name, rows in self.held.items() if rows}

    def held_reasons(self) -> list[tuple[str, Hold]]:
        """(what, why) for each table with kept rows, in the current language."""
        return [
            (str(link.label), max((hold for _, hold in rows), key=_latest))
            for link in LINKS
            if (rows := self.held[link.name])
        ]

    def deleted_labels(self) -> list[str]:
        """What was deleted, in the current language."""
        return [str(link.label) for link in LINKS if self.deleted[link.name]]


def _latest(hold: Hold) -> date:
    return hold.until or date.min


def plan_erasure(subject: Subject) -> ErasurePlan:
    """Sort the subject's rows into those to delete and those a legal hold keeps."""
    found = rows_for(subject)
    plan = ErasurePlan(recipients=recipients_for(subject))
    for link in LINKS:
        plan.deleted[link.name] = []
        plan.held[link.name] = []
        for row in found[link.name]:
            hold = link.hold(row)
            if hold is None:
                plan.deleted[link.name].append(row)
            else:
                plan.held[link.name].append((row, hold))
    return plan


def erase_subject(request: DataSubjectRequest, *, actor_id: int) -> ErasurePlan:
    """Delete what the plan allows, in one transaction, and audit the counts only.

    Only for an open erasure request whose requester's identity is confirmed. Children go
    before parents (the links list parents first); what hangs off a deleted row without a link
    of its own (search terms) goes with it by ``ON DELETE CASCADE``.
    """
    ensure_answerable(request, RequestKind.ERASURE)
    subject = subject_of(request)
    plan = plan_erasure(subject)
    # GDPR art. 21(3): marketing must never resume, so the addresses live on as keyed hashes.
    for address in email_addresses(subject):
        suppress_erased_address(address)
    for link in reversed(LINKS):
        _delete(link, plan.deleted[link.name])
    record_event(
        "data_request.erased",
        actor_id=actor_id,
        subject_type="data_subject_request",
        subject_id=request.id,
        deleted=plan.deleted_counts,
        held=plan.held_counts,
        recipients=plan.recipients,
    )
    db.session.commit()
    return plan


def _delete(link: Link, rows: list) -> None:
    if rows:
        ids = [row.id for row in rows]
        db.session.execute(delete(link.model).where(link.model.id.in_(ids)))
