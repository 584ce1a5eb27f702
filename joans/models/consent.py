"""The consent log: every grant, refusal and withdrawal of statistics cookies, append-only."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, event
from sqlalchemy.orm import Mapped, mapped_column

from joans.extensions import db
from joans.models.personal_data import Basis, Category, Purpose, not_personal, personal_data
from joans.models.types import UTCDateTime, utcnow


class ConsentChoice(StrEnum):
    """What a record says the visitor did."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    # A refusal by someone whose honoured choice until then was an acceptance (GDPR art. 7(3)).
    WITHDRAWN = "withdrawn"


class ConsentMethod(StrEnum):
    """How the choice reached us."""

    BUTTON = "button"  # a banner or cookie-page button, applied by our script
    FORM = "form"  # the same button with JavaScript off: a plain form post
    GPC = "gpc"  # the browser's Global Privacy Control signal, Sec-GPC: 1


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class ConsentRecord(db.Model):
    """One choice about statistics cookies, written once and never changed.

    The consent id is the random id in the visitor's consent cookie, so the records of one
    browser can be read together; no IP address and no user agent are ever stored. Records are
    removed only by the retention purge (``CONSENT_LOG_RETENTION_DAYS``).
    """

    __tablename__ = "consent_record"
    __table_args__ = (_one_of("choice", ConsentChoice), _one_of("method", ConsentMethod))

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[str] = mapped_column(
        String(32),
        index=True,
        info=personal_data(
            Category.ONLINE, Purpose.STATISTICS, Basis.LEGAL_OBLIGATION, retention="consent_log"
        ),
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    choice: Mapped[str] = mapped_column(String(16), info=not_personal())
    # The CONSENT_REVISION in force when the choice was made.
    revision: Mapped[int]
    method: Mapped[str] = mapped_column(String(16), info=not_personal())
    # The language of the page the choice was made on ("sv" or "en").
    language: Mapped[str] = mapped_column(String(8), info=not_personal())


@event.listens_for(ConsentRecord, "before_update")
@event.listens_for(ConsentRecord, "before_delete")
def _refuse_changes(mapper, connection, record: ConsentRecord) -> None:
    # A log that can be edited proves nothing. The retention purge deletes old records with one
    # bulk DELETE statement, which does not pass through these ORM events.
    raise PermissionError("consent records are append-only")
