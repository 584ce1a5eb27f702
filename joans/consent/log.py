"""The consent log: recording choices about statistics cookies and counting them."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from joans.extensions import db
from joans.models.consent import ConsentChoice, ConsentMethod, ConsentRecord
from joans.models.types import utcnow


def new_consent_id() -> str:
    """A random identifier for one browser's choices (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def record_consent(
    *,
    accepted: bool,
    method: ConsentMethod,
    language: str,
    revision: int,
    consent_id: str | None = None,
    previously_accepted: bool = False,
) -> ConsentRecord:
    """Append a grant, refusal or withdrawal to the consent log and commit it.

    A refusal by a visitor whose honoured choice was an acceptance is a withdrawal. Without a
    ``consent_id`` a new one is made, which is how a first choice starts its history.
    """
    if accepted:
        choice = ConsentChoice.ACCEPTED
    elif previously_accepted:
        choice = ConsentChoice.WITHDRAWN
    else:
        choice = ConsentChoice.DECLINED
    record = ConsentRecord(
        consent_id=consent_id or new_consent_id(),
        recorded_at=utcnow(),
        choice=choice,
        revision=revision,
        method=method,
        language=language,
    )
    db.session.add(record)
    db.session.commit()
    return record


@dataclass(frozen=True)
class WeeklyConsentCounts:
    """How many choices of each kind were recorded in one ISO week."""

    year: int
    week: int
    accepted: int = 0
    declined: int = 0
    withdrawn: int = 0
    # Refusals by the browser's privacy signal; already counted in ``declined``.
    declined_by_signal: int = 0

    @property
    def acceptance_rate(self) -> float | None:
        """Acceptances as a share of all choices that week; None in a week without any."""
        choices = self.accepted + self.declined + self.withdrawn
        return self.accepted / choices if choices else None


def weekly_consent_counts(
    weeks: int = 12, *, now: datetime | None = None
) -> list[WeeklyConsentCounts]:
    """Counts per ISO week for the last ``weeks`` weeks (this one included), oldest first.

    Weeks run Monday to Sunday in the site's time zone (``BABEL_DEFAULT_TIMEZONE``), as staff
    read them; weeks without records are included with zeros.
    """
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    today = (now or utcnow()).astimezone(zone).date()
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    since = datetime(first_monday.year, first_monday.month, first_monday.day, tzinfo=zone)
    rows = db.session.execute(
        db.select(ConsentRecord.recorded_at, ConsentRecord.choice, ConsentRecord.method).where(
            ConsentRecord.recorded_at >= since
        )
    )
    counts: Counter[tuple[tuple[int, int], str]] = Counter()
    for recorded_at, choice, method in rows:
        week = _iso_week(recorded_at.astimezone(zone).date())
        counts[week, choice] += 1
        if method == ConsentMethod.GPC:
            counts[week, "declined_by_signal"] += 1
    result = []
    for offset in range(weeks):
        week = _iso_week(first_monday + timedelta(weeks=offset))
        result.append(
            WeeklyConsentCounts(
                year=week[0],
                week=week[1],
                accepted=counts[week, ConsentChoice.ACCEPTED.value],
                declined=counts[week, ConsentChoice.DECLINED.value],
                withdrawn=counts[week, ConsentChoice.WITHDRAWN.value],
                declined_by_signal=counts[week, "declined_by_signal"],
            )
        )
    return result


def _iso_week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week
