"""Bounded runs of bench/faults.py: faults under load lose nothing and heal by themselves."""

from __future__ import annotations

import os

import pytest

from bench.common import free_port
from bench.faults import MisbehavingSMTP, database_outage, mail_fault


def assert_nothing_lost(outcome: dict) -> None:
    """Every accepted submission stored once, only 303 or 503, and success again at the end."""
    assert outcome["lost"] == outcome["duplicated"] == outcome["unexpected_errors"] == 0, outcome
    assert outcome["recovered"], outcome
    assert outcome["statuses"].get(303, 0) > 0


@pytest.mark.skipif(
    not os.environ.get("JOANS_TEST_DATABASE_URL"),
    reason="the database outage needs PostgreSQL (the suite's PostgreSQL run covers it)",
)
def test_database_outage_gives_503_loses_nothing_and_recovers():
    """PostgreSQL unreachable for two seconds in the middle of a six-second load."""
    outcome = database_outage(seconds=6, cut_at=1.5, back_at=3.5)
    assert outcome["statuses"].get(503, 0) > 0, "the outage was not noticed"
    assert_nothing_lost(outcome)


@pytest.mark.parametrize(
    "options", [None, {"delay": 0.5}, {"drop_every": 2}], ids=["down", "slow", "hangs-up"]
)
def test_call_back_requests_survive_a_misbehaving_mail_server(options):
    """The mail server down, slow, or hanging up: every request is still stored."""
    server = MisbehavingSMTP(**options) if options is not None else None
    try:
        outcome = mail_fault("mail", server.port if server else free_port(), seconds=3)
    finally:
        if server:
            server.stop()
    assert_nothing_lost(outcome)
