"""Several app servers share one Redis, so the contact form's rate limit holds across all of them.

The second app instance runs in its own Python process, as a second gunicorn server would: it
shares nothing with the test's app except the database and Redis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
import redis

from joans.commands import PROJECT_ROOT
from tests.conftest import TEST_SECRET_KEY

REDIS_URL = "redis://127.0.0.1:6379/0"
LIMIT = "3 per hour"

# Posts an empty form: refused by validation (422) until the shared limit says 429.
SECOND_INSTANCE = """
import sys
from joans import create_app
client = create_app().test_client()
print(" ".join(str(client.post("/kontakt", data={}).status_code) for _ in range(int(sys.argv[1]))))
"""


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client):
    """A prefix of this test's own, so parallel runs never count each other's posts."""
    prefix = f"joans-test-{uuid.uuid4().hex}"
    yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def app_config(key_prefix):
    return {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": key_prefix},
        "CALLBACK_RATE_LIMIT": LIMIT,
    }


def second_instance_posts(migrated_database: str, key_prefix: str, count: int) -> list[int]:
    """Start another app process configured through JOANS_* variables; return its statuses."""
    env = {
        **os.environ,
        "JOANS_ENV": "testing",
        "JOANS_SECRET_KEY": TEST_SECRET_KEY,
        "JOANS_DATABASE_URL": migrated_database,
        "JOANS_RATELIMIT_STORAGE_URI": REDIS_URL,
        "JOANS_RATELIMIT_STORAGE_OPTIONS": json.dumps({"key_prefix": key_prefix}),
        "JOANS_CALLBACK_RATE_LIMIT": LIMIT,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SECOND_INSTANCE, str(count)],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [int(status) for status in result.stdout.split()]


def test_two_app_instances_sharing_redis_share_the_limit(
    client, migrated_database, key_prefix, redis_client
):
    """Posts to one server count on the other: the limit is per visitor, not per server."""
    assert [client.post("/kontakt", data={}).status_code for _ in range(2)] == [422, 422]
    assert second_instance_posts(migrated_database, key_prefix, 2) == [422, 429]
    assert client.post("/kontakt", data={}).status_code == 429
    assert list(redis_client.scan_iter(f"{key_prefix}*")), "the counts live in Redis"


def test_another_key_prefix_is_counted_separately(client, migrated_database, key_prefix):
    """The control: with its own prefix the second instance is not limited by this test's posts."""
    for _ in range(3):
        client.post("/kontakt", data={})
    assert client.post("/kontakt", data={}).status_code == 429
    other_prefix = f"{key_prefix}-other"
    assert second_instance_posts(migrated_database, other_prefix, 1) == [422]
