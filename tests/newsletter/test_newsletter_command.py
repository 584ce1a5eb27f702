"""`flask newsletter send-outbox`, as cron runs it."""

from __future__ import annotations

import pytest

from tests.newsletter import add_subscribers, newsletter_config, queue, write_newsletter


@pytest.fixture
def app_config(smtp_server):
    return newsletter_config(smtp_server)


def test_the_command_sends_what_is_due_and_prints_counts_only(app, runner, smtp_server):
    """One run from cron: every message goes out, the output has counts and no addresses."""
    with app.app_context():
        addresses = add_subscribers(3)
        queue(write_newsletter())
    result = runner.invoke(args=["newsletter", "send-outbox"])
    assert result.exit_code == 0, result.output
    assert "newsletter outbox: sent 3, failed 0, retried 0, skipped 0, unknown 0" in result.output
    assert sorted(smtp_server.recipients()) == addresses
    assert "@" not in result.output


def test_the_command_fails_loudly_when_the_mail_server_is_down(app, runner, smtp_server):
    """Cron mails a failing job's output to the operator; the messages wait for the next run."""
    with app.app_context():
        add_subscribers(2)
        queue(write_newsletter())
    smtp_server.stop_listening()
    result = runner.invoke(args=["newsletter", "send-outbox"])
    assert result.exit_code == 1
    assert "the mail server could not be reached" in result.output
    assert "the messages wait for the next run" in result.output
