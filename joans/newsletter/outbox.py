"""The outbox worker: sends queued newsletter messages so that nobody is ever mailed twice (N10).

Each outbox row moves through these states::

    queued ──► sending ──► sent | failed | queued again (a temporary failure, with backoff)
                  └──────► unknown (still "sending" after NEWSLETTER_SENDING_TIMEOUT)

"sending" is committed before any of a message's data is handed to the mail server, and the
outcome after the server's reply. A worker that dies in between leaves the row "sending": nobody
can know whether the server took the message, so the row is reported as unknown and never sent
again. A worker that is stopped (SIGTERM) or loses the mail server hands back the rows it had
marked but not yet attempted, so only a crash makes rows unknown.

Several workers can run at once: on PostgreSQL each takes due rows with ``FOR UPDATE SKIP
LOCKED``, so they take different rows; SQLite has one writer at a time, and the conditional
update to "sending" settles any race. The transaction that marks a row "sending" also reads the
recipient's current address, checks it against the suppression list and checks that the
subscription is still on the list (N6).

Speed: a durable commit costs about as much as sending a message, so rows are marked "sending"
in windows, sized so the commit costs about a tenth of sending the window (one row at a time
when the send rate is the limit; at most ``MAX_WINDOW``). The outcomes of one window are written
in the commit that marks the next. After a crash, at most one window is reported unknown.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil

from flask import current_app
from sqlalchemy import Connection, Engine, bindparam, func, select, update

from joans.extensions import db
from joans.mail_transport import (
    ConnectionFailure,
    PermanentFailure,
    SMTPSession,
    TemporaryFailure,
    UncertainDelivery,
)
from joans.models.crm import Company, Contact
from joans.models.newsletter import (
    Newsletter,
    NewsletterSubscription,
    OutboxMessage,
    OutboxStatus,
    SubscriptionStatus,
    Suppression,
)
from joans.models.types import UTCDateTime, utcnow
from joans.newsletter.content import (
    MessageTemplate,
    envelope_sender,
    message_template,
    smtp_address,
)
from joans.newsletter.subscriptions import address_hasher, unsubscribe_token

# At most this many rows are marked "sending" at once (and so reported unknown after a crash).
MAX_WINDOW = 32
# The share of sending time a window's commit may cost before the window grows.
COMMIT_SHARE = 0.1
# Backoff never grows beyond this many times NEWSLETTER_RETRY_SECONDS.
MAX_BACKOFF_FACTOR = 64


def _due_rows(*, lock: bool):
    """The rows due for sending, oldest due first, with what deciding about them needs."""
    due = (
        select(
            OutboxMessage.id,
            OutboxMessage.newsletter_id,
            OutboxMessage.subscription_id,
            OutboxMessage.language,
            OutboxMessage.attempts,
            Contact.email,
            NewsletterSubscription.status,
            Company.customer_until,
        )
        .outerjoin(
            NewsletterSubscription, NewsletterSubscription.id == OutboxMessage.subscription_id
        )
        .outerjoin(Contact, Contact.id == NewsletterSubscription.contact_id)
        .outerjoin(Company, Company.id == Contact.company_id)
        .where(
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.next_attempt_at <= bindparam("now", type_=UTCDateTime),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(bindparam("size"))
    )
    # PostgreSQL: rows another worker is taking right now are passed over, not waited for.
    return due.with_for_update(skip_locked=True, of=OutboxMessage) if lock else due


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling, within a cap."""
    factor = min(2 ** max(attempts - 1, 0), MAX_BACKOFF_FACTOR)
    return timedelta(seconds=base_seconds * factor)


@dataclass(frozen=True)
class Recipient:
    """An outbox row taken for sending, with what sending it needs."""

    outbox_id: int
    newsletter_id: int
    subscription_id: int | None
    language: str
    attempts: int
    email: str | None


@dataclass(frozen=True)
class Outcome:
    """How sending one row ended, to be written with the journal's next commit."""

    outbox_id: int
    status: OutboxStatus
    expected: OutboxStatus = OutboxStatus.SENDING  # the status the row must still have
    error: str | None = None
    retry_at: datetime | None = None
    attempted: bool = True  # False for a row handed back unsent, which used no attempt

    @property
    def is_plain_success(self) -> bool:
        """A plain "sent", written together with the others in one statement."""
        return (
            self.status == OutboxStatus.SENT
            and self.expected == OutboxStatus.SENDING
            and self.error is None
            and self.attempted
        )


@dataclass
class WorkerReport:
    """What one run of the worker did: counts only."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0
    unknown: int = 0  # sent without a reply, or found "sending" from a worker that died
    connection_failures: int = 0
    windows: int = 0  # rows taken and marked "sending" in one commit, however many
    errors: Counter[str] = field(default_factory=Counter)  # reply codes of connection failures

    def summary(self) -> str:
        """One line for the log and the terminal."""
        return (
            f"sent {self.sent}, failed {self.failed}, retried {self.retried}, "
            f"skipped {self.skipped}, unknown {self.unknown}"
        )


class OutboxJournal:
    """The worker's database side, on a connection of its own.

    Outcomes of messages are passed in by the worker and written in the next transaction it
    opens anyway (taking the next window); :meth:`flush` writes them otherwise.
    """

    def __init__(
        self, engine: Engine, *, sending_timeout: float, hash_address: Callable[[str], str]
    ) -> None:
        self.engine = engine
        self.sending_timeout = timedelta(seconds=sending_timeout)
        self.hash_address = hash_address
        self._connection: Connection | None = None
        # Built once: this runs for every window, and building a statement costs more than
        # running it.
        self._due = _due_rows(lock=engine.dialect.name == "postgresql")

    # The statements of the hot path, with bound parameters.
    _suppressed = select(Suppression.address_hash).where(
        Suppression.address_hash.in_(bindparam("hashes", expanding=True))
    )
    _mark = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(bindparam("ids", expanding=True)),
            OutboxMessage.status == OutboxStatus.QUEUED,
        )
        .values(status=OutboxStatus.SENDING, sending_at=bindparam("now", type_=UTCDateTime))
        .returning(OutboxMessage.id)
    )
    _skip = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(bindparam("ids", expanding=True)),
            OutboxMessage.status == OutboxStatus.QUEUED,
        )
        .values(status=OutboxStatus.SKIPPED, finished_at=bindparam("now", type_=UTCDateTime))
    )
    _sent = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(bindparam("ids", expanding=True)),
            OutboxMessage.status == OutboxStatus.SENDING,
        )
        .values(
            status=OutboxStatus.SENT,
            finished_at=bindparam("now", type_=UTCDateTime),
            attempts=OutboxMessage.attempts + 1,
        )
    )

    @property
    def connection(self) -> Connection:
        """Opened on first use."""
        if self._connection is None:
            self._connection = self.engine.connect()
        return self._connection

    def close(self) -> None:
        """Give the connection back to the pool."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def sweep(self) -> int:
        """Turn rows left "sending" by a worker that died into unknown; returns how many."""
        now = utcnow()
        abandoned = self.connection.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.sending_at < now - self.sending_timeout,
            )
            .values(status=OutboxStatus.UNKNOWN, finished_at=now)
        ).rowcount
        self.connection.commit()
        return abandoned

    def next_window(self, size: int, outcomes: list[Outcome]) -> tuple[list[Recipient], int]:
        """Take up to ``size`` due rows and commit "sending" for those that may go out.

        The same transaction writes ``outcomes``, reads each recipient's current address,
        checks the subscription and the suppression list (N6), and marks rows whose recipient
        left the list as skipped. On PostgreSQL the rows are locked with SKIP LOCKED, so other
        workers take other rows; on SQLite the update's condition settles a race. Returns the
        rows marked "sending", with their current address, and how many were skipped.
        """
        now = utcnow()
        connection = self.connection
        self._write(outcomes)
        today = now.date()
        rows = connection.execute(self._due, {"now": now, "size": size}).all()
        candidates = {
            row.id: Recipient(*row[:6])
            for row in rows
            if row.email
            and row.status == SubscriptionStatus.SUBSCRIBED
            and (row.customer_until is None or row.customer_until >= today)
        }
        hashes = {row_id: self.hash_address(r.email) for row_id, r in candidates.items()}
        suppressed = set()
        if hashes:
            suppressed = set(
                connection.scalars(self._suppressed, {"hashes": list(set(hashes.values()))})
            )
        allowed = [row_id for row_id, hashed in hashes.items() if hashed not in suppressed]
        marked = set()
        if allowed:
            marked = set(connection.scalars(self._mark, {"ids": allowed, "now": now}))
        # A row allowed but not marked was taken by another worker (SQLite): it is theirs.
        leaving = [row.id for row in rows if row.id not in hashes or row.id not in allowed]
        skipped = 0
        if leaving:
            skipped = connection.execute(self._skip, {"ids": leaving, "now": now}).rowcount
        connection.commit()
        return [candidates[row.id] for row in rows if row.id in marked], skipped

    def flush(self, outcomes: list[Outcome]) -> None:
        """Write ``outcomes`` now."""
        if outcomes:
            self._write(outcomes)
            self.connection.commit()

    def seconds_until_due(self) -> float | None:
        """How long until the next queued row is due; None when nothing is queued."""
        next_due = self.connection.scalar(
            select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == OutboxStatus.QUEUED
            )
        )
        self.connection.rollback()
        if next_due is None:
            return None
        return max((next_due - utcnow()).total_seconds(), 0.0)

    def _write(self, outcomes: list[Outcome]) -> None:
        """Apply outcomes (the caller commits); plain successes go in one statement."""
        now = utcnow()
        sent = [outcome.outbox_id for outcome in outcomes if outcome.is_plain_success]
        if sent:
            self.connection.execute(self._sent, {"ids": sent, "now": now})
        for outcome in outcomes:
            if outcome.is_plain_success:
                continue
            values: dict = {"status": outcome.status}
            if outcome.attempted:
                values["attempts"] = OutboxMessage.attempts + 1
            if outcome.status == OutboxStatus.QUEUED:
                values.update(next_attempt_at=outcome.retry_at, sending_at=None)
            else:
                values["finished_at"] = now
            if outcome.error is not None:
                values["error"] = outcome.error
            self.connection.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == outcome.outbox_id,
                    OutboxMessage.status == outcome.expected,
                )
                .values(values)
            )
        outcomes.clear()


def _average(previous: float | None, sample: float) -> float:
    """An exponential moving average that follows changes within a few dozen samples."""
    return sample if previous is None else previous * 0.9 + sample * 0.1


class OutboxWorker:
    """Sends due outbox rows over one SMTP connection, at the configured rate."""

    def __init__(self, *, clock=time) -> None:
        """``clock`` has ``monotonic``, ``perf_counter`` and ``sleep``: the time module, or a
        test's own clock, which paces the worker without waiting."""
        config = current_app.config
        self.rate = float(config["NEWSLETTER_SEND_RATE"] or 0)
        self.retry_seconds = float(config["NEWSLETTER_RETRY_SECONDS"])
        self.max_attempts = int(config["NEWSLETTER_MAX_ATTEMPTS"])
        self.poll_seconds = float(config["NEWSLETTER_POLL_SECONDS"])
        self.journal = OutboxJournal(
            db.engine,
            sending_timeout=float(config["NEWSLETTER_SENDING_TIMEOUT"]),
            hash_address=address_hasher(),
        )
        self.clock = clock
        self.smtp = SMTPSession()
        self.sender = envelope_sender()
        self.report = WorkerReport()
        self._outcomes: list[Outcome] = []
        self._templates: dict[tuple[int, str], MessageTemplate] = {}
        self._next_slot = 0.0
        self._pause_factor = 0
        self._pause = 0.0
        # Moving averages: seconds to take a window, and seconds per message sent.
        self._window_seconds: float | None = None
        self._send_seconds: float | None = None

    def run(
        self, *, loop: bool = False, drain: bool = False, should_stop: Callable[[], bool] = bool
    ) -> WorkerReport:
        """Send what is due, then return; ``loop`` keeps polling, ``drain`` waits for retries.

        ``should_stop`` is asked between messages (the command's signal handler sets it).
        """
        try:
            self.report.unknown += self.journal.sweep()
            while not should_stop():
                if not self._connected():
                    if not (loop or drain):
                        break  # the mail server cannot be reached: the next run tries again
                    self._wait(self._pause, should_stop)
                    continue
                if self._send_window(should_stop):
                    continue
                if loop:
                    self._wait(self.poll_seconds, should_stop)
                    self.report.unknown += self.journal.sweep()
                    continue
                wait = self.journal.seconds_until_due() if drain else None
                if wait is None:
                    break
                self._wait(min(wait, self.poll_seconds) + 0.01, should_stop)
        finally:
            try:
                self.journal.flush(self._outcomes)
            finally:
                self.journal.close()
                self.smtp.close()
        return self.report

    def _send_window(self, should_stop: Callable[[], bool]) -> bool:
        """Take the next window of due rows and send it; False when nothing was due."""
        started = self.clock.perf_counter()
        window, skipped = self.journal.next_window(self._window_size(), self._outcomes)
        self.report.windows += 1
        self._window_seconds = _average(self._window_seconds, self.clock.perf_counter() - started)
        self.report.skipped += skipped
        for position, recipient in enumerate(window):
            if should_stop() or not self._connected():
                self._hand_back(window[position:])
                break
            self._pace()
            started = self.clock.perf_counter()
            self._send_one(recipient)
            self._send_seconds = _average(self._send_seconds, self.clock.perf_counter() - started)
        return bool(window or skipped)

    def _window_size(self) -> int:
        """How many rows to take at once: enough that the commit is a small share of the work."""
        if self._window_seconds is None or self._send_seconds is None:
            return 1
        per_message = max(self._send_seconds, 1 / self.rate if self.rate else 0)
        return max(1, min(ceil(self._window_seconds / (COMMIT_SHARE * per_message)), MAX_WINDOW))

    def _connected(self) -> bool:
        try:
            self.smtp.connect()
        except ConnectionFailure as failure:
            self._connection_failed(failure)
            return False
        return True

    def _hand_back(self, recipients: list[Recipient]) -> None:
        """Return rows marked "sending" but never attempted to the queue, as they were."""
        now = utcnow()
        for recipient in recipients:
            self._outcomes.append(
                Outcome(recipient.outbox_id, OutboxStatus.QUEUED, retry_at=now, attempted=False)
            )

    def _send_one(self, recipient: Recipient) -> None:
        address, smtputf8 = smtp_address(recipient.email)
        message = self._template(recipient).build(
            to=address,
            token=unsubscribe_token(recipient.subscription_id),
            outbox_id=recipient.outbox_id,
        )
        try:
            self.smtp.envelope(self.sender, address, smtputf8=smtputf8)
            self.smtp.data(message)
        except UncertainDelivery as error:
            self._finish(recipient, OutboxStatus.UNKNOWN, error=error.code)
            self.report.unknown += 1
        except PermanentFailure as error:
            self._finish(recipient, OutboxStatus.FAILED, error=error.code)
            self.report.failed += 1
        except TemporaryFailure as error:
            self._temporary_failure(recipient, error)
        else:
            self._finish(recipient, OutboxStatus.SENT)
            self.report.sent += 1
            self._pause_factor = 0

    def _temporary_failure(self, recipient: Recipient, error: TemporaryFailure) -> None:
        attempts = recipient.attempts + 1
        if attempts >= self.max_attempts:
            self._finish(recipient, OutboxStatus.FAILED, error=error.code)
            self.report.failed += 1
            return
        retry_at = utcnow() + retry_delay(attempts, self.retry_seconds)
        self._finish(recipient, OutboxStatus.QUEUED, error=error.code, retry_at=retry_at)
        self.report.retried += 1

    def _connection_failed(self, failure: ConnectionFailure) -> None:
        """Note the failure and wait longer before each new try."""
        self.report.connection_failures += 1
        self.report.errors[failure.code] += 1
        self._pause_factor += 1
        self._pause = retry_delay(self._pause_factor, self.retry_seconds).total_seconds()
        current_app.logger.warning(
            "newsletter outbox: the mail server cannot be reached (%s); next try in %.0f s",
            failure.code,
            self._pause,
        )

    def _finish(self, recipient: Recipient, status: OutboxStatus, **details) -> None:
        self._outcomes.append(Outcome(recipient.outbox_id, status, **details))

    def _template(self, recipient: Recipient) -> MessageTemplate:
        key = (recipient.newsletter_id, recipient.language)
        if key not in self._templates:
            newsletter = db.session.get(Newsletter, recipient.newsletter_id)
            self._templates[key] = message_template(newsletter, recipient.language)
            db.session.rollback()  # hold no read transaction open while sending
        return self._templates[key]

    def _pace(self) -> None:
        if not self.rate:
            return
        now = self.clock.monotonic()
        if self._next_slot > now:
            self.journal.flush(self._outcomes)  # outcomes are not held back while waiting
            self.clock.sleep(self._next_slot - now)
            now = self.clock.monotonic()
        self._next_slot = max(now, self._next_slot) + 1 / self.rate

    def _wait(self, seconds: float, should_stop: Callable[[], bool]) -> None:
        self.journal.flush(self._outcomes)
        deadline = self.clock.monotonic() + seconds
        while not should_stop() and (left := deadline - self.clock.monotonic()) > 0:
            self.clock.sleep(min(left, 1.0))
