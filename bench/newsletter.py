"""Newsletter throughput: the outbox worker against a plain smtplib loop, to the same kind of sink.

10,000 subscribers and one campaign queued through the real service, then, each phase with a
fresh SMTP sink in a process of its own:

1. baseline: ``smtplib.SMTP`` over one connection sends a message of the same size to as many
   addresses, and nothing else;
2. the outbox worker (production settings, no rate limit) sends the campaign, committing
   "sending" for each window of rows before their messages go out and the outcomes after;
3. the baseline again.

The ratio is the worker's messages per second over the mean of the two baselines (target: at
least 80 %). The sink counts what arrived: every subscriber exactly once.
"""

from __future__ import annotations

import json
import smtplib
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, insert, select, text

from bench.common import ROOT, free_port
from bench.databases import database

COUNT = 10_000
TARGET_RATIO = 0.8
SITE_URL = "https://joans.se"
SENDER = "nyhetsbrev@joans.se"

BODY_SV = """## Hösten hos Joans

Vi har flyttat alla webbhotell till nya servrar med **snabbare diskar** och automatisk
säkerhetskopiering varje natt. Du behöver inte göra något: adresser och lösenord är desamma.

- E-post med egen domän ingår nu i alla paket
- Domänförnyelse sker automatiskt, och du får en påminnelse en månad innan
- Vi svarar i telefon vardagar 8–17

Läs mer om [våra tjänster](https://joans.se/tjanster) eller svara på det här mejlet om du har
frågor. Vi hörs!
"""
BODY_EN = """## Autumn at Joans

Every hosting plan now runs on new servers with **faster disks** and nightly backups. You do not
need to do anything: addresses and passwords stay the same.

- E-mail on your own domain is now part of every plan
- Domains renew automatically, with a reminder a month before
- We answer the phone on weekdays 8–17

Read more about [our services](https://joans.se/en/services) or reply to this e-mail. Talk soon!
"""


@contextmanager
def sink():
    """An SMTP sink in its own process; yields its port and, after it stops, its counts."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.smtp_sink", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    counts: dict = {}
    try:
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        yield port, counts
    finally:
        process.terminate()
        output = process.communicate(timeout=120)[0]
        counts.update(json.loads(output.strip().splitlines()[-1]))


@contextmanager
def site(database_url: str, smtp_port: int):
    """The app as production runs it, mailing to ``smtp_port``, without a sending rate limit."""
    from joans import create_app
    from joans.extensions import db

    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "benchmark-secret",
            "NEWSLETTER_SECRET_KEY": "benchmark-newsletter-secret",
            "DATABASE_URL": database_url,
            "SITE_URL": SITE_URL,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_port,
            "NEWSLETTER_SEND_RATE": 0,
        }
    )
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def seed(app, count: int) -> int:
    """``count`` subscribed contacts (one in five English) and one campaign queued for them."""
    from joans.extensions import db
    from joans.models.crm import Contact
    from joans.models.newsletter import NewsletterSubscription
    from joans.models.types import utcnow
    from joans.newsletter import campaigns

    with app.app_context():
        now = utcnow()
        contacts = [
            {"first_name": "Kund", "last_name": f"{number:05d}",
             "email": f"kund{number:05d}@bench.example", "created_at": now, "updated_at": now}
            for number in range(count)
        ]  # fmt: skip
        db.session.execute(insert(Contact), contacts)
        ids = db.session.scalars(select(Contact.id).order_by(Contact.id)).all()
        subscriptions = [
            {"contact_id": contact_id, "status": "subscribed", "source": "order",
             "language": "en" if number % 5 == 0 else "sv", "order_id": None,
             "order_date": date.today(), "objection_box_shown": True, "changed_at": now,
             "created_at": now}
            for number, contact_id in enumerate(ids)
        ]  # fmt: skip
        db.session.execute(insert(NewsletterSubscription), subscriptions)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # A site that has been running has statistics; a freshly seeded one does not yet.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        newsletter = campaigns.create_newsletter(
            {"subject_sv": "Hösten hos Joans", "body_sv": BODY_SV,
             "subject_en": "Autumn at Joans", "body_en": BODY_EN},
            actor_id=None,
        )  # fmt: skip
        return campaigns.queue_newsletter(newsletter.id, actor_id=None)


def sample_message(app) -> bytes:
    """One real newsletter message, the size every baseline message has."""
    from joans.extensions import db
    from joans.models.newsletter import Newsletter
    from joans.newsletter.content import message_template

    with app.app_context():
        newsletter = db.session.scalars(select(Newsletter)).one()
        template = message_template(newsletter, "sv")
        return template.build(to="kund00001@bench.example", token="x" * 60, outbox_id=1)


def smtplib_loop(port: int, count: int, message: bytes) -> float:
    """Messages per second of a bare smtplib loop over one connection."""
    connection = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for number in range(count):
        connection.sendmail(SENDER, [f"baseline{number:05d}@bench.example"], message)
    elapsed = time.perf_counter() - started
    connection.quit()
    return count / elapsed


def run_worker(database_url: str, port: int) -> tuple[float, dict, Counter]:
    """Messages per second of the outbox worker, its report with the commits it made, and the
    rows' final statuses."""
    from joans.extensions import db
    from joans.models.newsletter import OutboxMessage
    from joans.newsletter.outbox import OutboxWorker

    commits = []

    def count_commit(connection) -> None:
        commits.append(connection)

    with site(database_url, port) as app, app.app_context():
        worker = OutboxWorker()
        event.listen(db.engine, "commit", count_commit)
        try:
            started = time.perf_counter()
            report = worker.run()
            elapsed = time.perf_counter() - started
        finally:
            event.remove(db.engine, "commit", count_commit)
        statuses = Counter(db.session.scalars(select(OutboxMessage.status)))
        db.session.remove()
    return (
        report.sent / elapsed if elapsed else 0.0,
        {**vars(report), "commits": len(commits)},
        statuses,
    )


def throughput(kind: str, count: int = COUNT) -> dict:
    """Baseline, worker, baseline on a fresh database of ``kind``; what arrived, and the ratio."""
    with database(kind) as url:
        with sink() as (port, _), site(url, port) as app:
            queued = seed(app, count)
            message = sample_message(app)
            baselines = [smtplib_loop(port, count, message)]
        with sink() as (port, delivered):
            worker_rate, report, statuses = run_worker(url, port)
        with sink() as (port, _):
            baselines.append(smtplib_loop(port, count, message))
    baseline = statistics.mean(baselines)
    return {
        "database": kind,
        "count": count,
        "queued": queued,
        "message_bytes": len(message),
        "worker_per_second": worker_rate,
        "baseline_per_second": baseline,
        "baselines": baselines,
        "ratio": worker_rate / baseline,
        "delivered": delivered["messages"],
        "recipients": delivered["recipients"],
        "duplicates": delivered["duplicates"],
        "statuses": dict(statuses),
        "report": {key: value for key, value in report.items() if key != "errors"},
    }


def run() -> dict:
    """The full run on SQLite and on PostgreSQL."""
    return {
        "area": "newsletter",
        "command": "make bench BENCH=newsletter",
        "rows": [throughput(kind) for kind in ("sqlite", "postgresql")],
        "targets": {"ratio": TARGET_RATIO, "duplicates": 0},
    }
