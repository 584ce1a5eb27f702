"""Login throttling per IP and per account, counted where every server sees it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import redis

from joans.extensions import db

REDIS_URL = os.environ.get("JOANS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_config():
    return {"STAFF_LOGIN_LIMIT_PER_ACCOUNT": "3 per hour", "STAFF_LOGIN_LIMIT_PER_IP": "5 per hour"}


def fail_login(client, staff_post, email, ip="192.0.2.1"):
    """One wrong password for ``email`` from ``ip``."""
    return staff_post(
        client,
        "/staff/login",
        {"email": email, "password": "not the password"},
        environ_base={"REMOTE_ADDR": ip},
    )


def login(client, staff_post, account, ip="192.0.2.1"):
    """The right password for ``account`` from ``ip``."""
    return staff_post(
        client,
        "/staff/login",
        {"email": account.email, "password": account.password},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_failures_on_one_account_lock_it_from_every_address(client, make_staff, staff_post):
    """After the account's limit, even the right password from a new address gets 429."""
    account = make_staff()
    for number in range(3):
        assert (
            fail_login(client, staff_post, account.email, ip=f"192.0.2.{number}").status_code == 200
        )
    response = login(client, staff_post, account, ip="198.51.100.7")
    assert response.status_code == 429
    assert "För många förfrågningar" in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_failures_from_one_address_block_it_for_every_account(client, make_staff, staff_post):
    """Trying many accounts from one address is stopped by the per-IP limit."""
    accounts = [make_staff() for _ in range(3)]
    for number in range(5):
        fail_login(client, staff_post, f"guess{number}@joans.se", ip="203.0.113.9")
    assert login(client, staff_post, accounts[0], ip="203.0.113.9").status_code == 429
    assert login(client, staff_post, accounts[1], ip="203.0.113.10").status_code == 302


def test_successful_logins_do_not_count(client, make_staff, staff_post):
    """Only failures count: logging in often is never throttled."""
    account = make_staff()
    for _ in range(6):
        assert login(client, staff_post, account).status_code == 302
        staff_post(client, "/staff/logout")


def test_second_factor_failures_are_throttled_per_account(client, make_staff, staff_post):
    """Guessing TOTP codes is limited like guessing passwords."""
    account = make_staff(totp=True)
    login(client, staff_post, account)
    for _ in range(3):
        assert staff_post(client, "/staff/login/code", {"code": "000000"}).status_code == 200
    assert staff_post(client, "/staff/login/code", {"code": account.totp_code()}).status_code == 429


def test_the_limit_key_holds_no_email_address(app, client, staff_post, caplog):
    """The limiter's log line names a keyed hash, never the address typed."""
    for _ in range(4):
        fail_login(client, staff_post, "someone.secret@joans.se")
    assert "someone.secret" not in caplog.text


@pytest.fixture
def redis_prefix():
    """A Redis key prefix for this test only; its keys are deleted afterwards."""
    try:
        connection = redis.Redis.from_url(REDIS_URL)
        connection.ping()
    except redis.RedisError as error:
        if os.environ.get("JOANS_REQUIRE_REDIS"):
            pytest.fail(f"Redis at {REDIS_URL}: {error}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    prefix = f"joans-test-{uuid.uuid4().hex}"
    yield prefix
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)


OTHER_INSTANCE = textwrap.dedent(
    """
    import json, re, sys
    from joans import create_app
    config = json.loads(sys.argv[1])
    app = create_app(config)
    client = app.test_client()
    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]
    response = client.post(
        "/staff/login",
        data={"email": sys.argv[2], "password": sys.argv[3], "csrf_token": token},
        environ_base={"REMOTE_ADDR": "198.51.100.99"},
    )
    print(response.status_code)
    """
)


def test_limits_are_shared_between_app_servers_through_redis(
    app, migrated_database, make_staff, staff_post, redis_prefix
):
    """Failures counted by one app server lock the account on another process too."""
    config = {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": migrated_database,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        # A storage option, not RATELIMIT_KEY_PREFIX: the shared limiter object keeps the first
        # key prefix any app in this process gave it.
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": redis_prefix},
        "STAFF_LOGIN_LIMIT_PER_ACCOUNT": "3 per hour",
        "STAFF_LOGIN_LIMIT_PER_IP": "100 per hour",
    }

    def other_server(account) -> int:
        result = subprocess.run(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                "-c",
                OTHER_INSTANCE,
                json.dumps(config),
                account.email,
                account.password,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return int(result.stdout.strip().splitlines()[-1])

    from joans import create_app

    first_app = create_app(config)
    locked, untouched = make_staff(), make_staff()
    for _ in range(3):
        fail_login(first_app.test_client(), staff_post, locked.email)
    with first_app.app_context():
        db.engine.dispose()
    assert other_server(locked) == 429
    assert other_server(untouched) == 302
