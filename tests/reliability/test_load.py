"""A bounded run of bench/load.py: concurrent call-back requests are each stored exactly once."""

from __future__ import annotations

import os

from bench.load import load_test


def test_concurrent_submissions_are_all_stored_once_without_server_errors():
    """200 submissions from 8 clients against gunicorn: no loss, no duplicate, no 5xx."""
    kind = "postgresql" if os.environ.get("JOANS_TEST_DATABASE_URL") else "sqlite"
    outcome = load_test(kind, count=200, concurrency=8)
    assert outcome["statuses"] == {303: 200}
    assert (outcome["rows"], outcome["distinct"]) == (200, 200)
    assert outcome["lost"] == outcome["duplicated"] == outcome["server_errors"] == 0
    assert outcome["mails"] == 200
