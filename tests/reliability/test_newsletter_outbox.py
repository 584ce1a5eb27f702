"""The outbox worker as operators run it, `flask newsletter send-outbox` in processes of its own:
killed mid-send and restarted, several at once, and a bounded run of bench/newsletter.py.

Every test counts what the SMTP server received: every recipient exactly once, except rows
reported as unknown, which arrived at most once.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bench.newsletter import throughput
from joans.newsletter.outbox import MAX_WINDOW
from tests.conftest import TEST_SECRET_KEY
from tests.newsletter import (
    SITE_URL,
    add_subscribers_in_bulk,
    delivery_records,
    newsletter_config,
    queue,
    write_newsletter,
)

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"
ON_POSTGRESQL = bool(os.environ.get("JOANS_TEST_DATABASE_URL"))


@pytest.fixture
def app_config(smtp_server):
    return newsletter_config(smtp_server)


def worker(database_url: str, smtp_server, **settings) -> subprocess.Popen:
    """Start `flask newsletter send-outbox` with the test's database and SMTP server."""
    env = {
        **os.environ,
        "JOANS_ENV": "testing",
        "JOANS_SECRET_KEY": TEST_SECRET_KEY,
        "JOANS_DATABASE_URL": database_url,
        "JOANS_SITE_URL": SITE_URL,
        "JOANS_MAIL_SERVER": "127.0.0.1",
        "JOANS_MAIL_PORT": str(smtp_server.port),
        "JOANS_MAIL_SUPPRESS_SEND": "false",
        **{f"JOANS_{name}": str(value) for name, value in settings.items()},
    }
    return subprocess.Popen(  # noqa: S603 - our own command
        [str(FLASK), "--app", "joans", "newsletter", "send-outbox"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    """Wait for a worker and return what it printed; it must have succeeded."""
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 0, output
    return output


def test_a_worker_killed_mid_send_and_restarted_mails_nobody_twice(
    app, smtp_server, migrated_database
):
    """SIGKILL while the server holds a message: the restart sends the rest, resends nothing,
    and reports the rows the dead worker had marked "sending" as unknown."""
    with app.app_context():
        addresses = add_subscribers_in_bulk(40)
        queue(write_newsletter())
    smtp_server.hold_at = 12
    first = worker(migrated_database, smtp_server, NEWSLETTER_SEND_RATE=0)
    assert smtp_server.holding.wait(60), "the worker never reached the held message"
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)  # reaps it and closes its pipe
    held = smtp_server.recipients()[11]
    smtp_server.release.set()
    time.sleep(1.2)  # past NEWSLETTER_SENDING_TIMEOUT below
    finish(worker(migrated_database, smtp_server, NEWSLETTER_SENDING_TIMEOUT=1))

    received = Counter(smtp_server.recipients())
    with app.app_context():
        records = delivery_records()
    statuses = Counter(status for _, status in records)
    assert set(statuses) <= {"sent", "unknown"}, statuses
    assert sum(statuses.values()) == len(addresses)
    assert 1 <= statuses["unknown"] <= MAX_WINDOW
    assert max(received.values()) == 1, "somebody got the newsletter twice"
    for address, status in records:
        assert received[address] == 1 or status == "unknown", address
    assert dict(records)[held] == "unknown"
    assert received[held] == 1


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SKIP LOCKED is PostgreSQL's; run with it set")
def test_several_workers_on_postgresql_share_the_outbox_without_collisions(
    app, smtp_server, migrated_database
):
    """Three workers at once, each at a modest rate so they overlap: each row goes out once."""
    with app.app_context():
        addresses = add_subscribers_in_bulk(300)
        queue(write_newsletter())
    workers = [worker(migrated_database, smtp_server, NEWSLETTER_SEND_RATE=100) for _ in range(3)]
    outputs = [finish(process) for process in workers]
    sent = [int(re.search(r"sent (\d+)", output).group(1)) for output in outputs]
    assert sum(sent) == len(addresses)
    assert sum(1 for count in sent if count) >= 2, f"one worker did everything: {sent}"
    assert sorted(smtp_server.recipients()) == sorted(addresses)
    with app.app_context():
        assert Counter(status for _, status in delivery_records()) == {"sent": len(addresses)}


def test_a_bounded_throughput_run_delivers_everyone_once_with_one_commit_per_window():
    """bench/newsletter.py with 1,000 recipients: all delivered once, and one commit per window.

    How fast is the benchmark's question (make bench BENCH=newsletter compares the worker with a
    bare smtplib loop in the same run). Here only counts: the worker commits once per window it
    takes, plus the sweep before and the outcomes after, so a regression to a commit per
    message shows whatever the machine's load.
    """
    kind = "postgresql" if ON_POSTGRESQL else "sqlite"
    outcome = throughput(kind, count=1000)
    assert (outcome["delivered"], outcome["recipients"], outcome["duplicates"]) == (1000, 1000, 0)
    assert outcome["statuses"] == {"sent": 1000}
    report = outcome["report"]
    assert report["sent"] == 1000
    assert 1 <= report["windows"] <= 1001
    assert report["commits"] <= report["windows"] + 2, report
