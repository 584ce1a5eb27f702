"""The consent cookie: signed, complete, and honoured only as long as the settings allow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Response
from itsdangerous import URLSafeSerializer

from joans.consent.choice import (
    SALT,
    StoredChoice,
    expire_analytics_cookies,
    read_choice,
    store_choice,
)

MADE_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def stored_value(app, choice: StoredChoice) -> str:
    """The value ``store_choice`` writes for ``choice``."""
    response = Response()
    store_choice(response, choice)
    header = response.headers["Set-Cookie"]
    return header.split(";")[0].split("=", 1)[1]


def test_cookie_round_trips_id_choice_revision_and_time(app):
    """What the server writes, it reads back unchanged."""
    with app.test_request_context():
        choice = StoredChoice("abc123", True, 1, MADE_AT)
        assert read_choice(stored_value(app, choice)) == choice


def test_cookie_value_is_signed_and_holds_the_four_fields(app):
    """The payload names the consent id, the choice, the revision and the time."""
    with app.test_request_context():
        value = stored_value(app, StoredChoice("abc123", False, 3, MADE_AT))
        payload = URLSafeSerializer(app.secret_key, salt=SALT).loads(value)
    assert payload == {
        "id": "abc123",
        "choice": "declined",
        "revision": 3,
        "time": int(MADE_AT.timestamp()),
    }


@pytest.mark.parametrize(
    "forge",
    [
        lambda key: (
            URLSafeSerializer(key, salt=SALT).dumps(
                {"id": "x", "choice": "accepted", "revision": 1, "time": 1}
            )[:-2]
            + "AA"
        ),
        lambda key: URLSafeSerializer("another-key", salt=SALT).dumps(
            {"id": "x", "choice": "accepted", "revision": 1, "time": 1}
        ),
        lambda key: URLSafeSerializer(key, salt="another-salt").dumps(
            {"id": "x", "choice": "accepted", "revision": 1, "time": 1}
        ),
        lambda key: URLSafeSerializer(key, salt=SALT).dumps(
            {"id": "x", "choice": "maybe", "revision": 1, "time": 1}
        ),
        lambda key: URLSafeSerializer(key, salt=SALT).dumps({"id": "x", "choice": "accepted"}),
        lambda key: URLSafeSerializer(key, salt=SALT).dumps(
            {"id": 5, "choice": "accepted", "revision": "1", "time": 1}
        ),
        lambda key: URLSafeSerializer(key, salt=SALT).dumps(["accepted"]),
        lambda key: "accepted",
        lambda key: "",
    ],
    ids=[
        "bad-signature",
        "other-key",
        "other-salt",
        "unknown-choice",
        "missing-fields",
        "wrong-types",
        "not-an-object",
        "plain-text",
        "empty",
    ],
)
def test_forged_or_malformed_cookie_is_no_choice(app, forge):
    """Only a value the server signed with the consent salt counts as a choice."""
    with app.test_request_context():
        assert read_choice(forge(app.secret_key)) is None


def test_cookie_signed_with_a_fallback_key_still_counts(app):
    """Rotating SECRET_KEY with SECRET_KEY_FALLBACKS does not ask everyone again."""
    with app.test_request_context():
        value = stored_value(app, StoredChoice("abc", True, 1, MADE_AT))
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.config["SECRET_KEY"] = "a-new-secret-key"
    with app.test_request_context():
        assert read_choice(value) == StoredChoice("abc", True, 1, MADE_AT)


@pytest.mark.parametrize(
    ("accepted", "days"),
    [(True, 365), (False, 180)],
)
def test_choice_is_honoured_until_its_lifetime_ends(app, accepted, days):
    """365 days after Accept and 180 after Decline by default; not a second longer."""
    with app.test_request_context():
        choice = StoredChoice("abc", accepted, 1, MADE_AT)
        end = MADE_AT + timedelta(days=days)
        assert choice.expires_at() == end
        assert choice.is_honoured(MADE_AT)
        assert choice.is_honoured(end - timedelta(seconds=1))
        assert not choice.is_honoured(end)


def test_lifetimes_follow_the_settings(app):
    """Shorter configured lifetimes apply to choices already stored."""
    app.config.update(CONSENT_ACCEPTED_DAYS=30, CONSENT_DECLINED_DAYS=7)
    with app.test_request_context():
        assert not StoredChoice("a", True, 1, MADE_AT).is_honoured(MADE_AT + timedelta(days=30))
        assert not StoredChoice("a", False, 1, MADE_AT).is_honoured(MADE_AT + timedelta(days=7))
        assert StoredChoice("a", False, 1, MADE_AT).is_honoured(MADE_AT + timedelta(days=6))


def test_choice_under_another_revision_is_not_honoured(app):
    """Raising CONSENT_REVISION asks everyone again."""
    app.config["CONSENT_REVISION"] = 2
    with app.test_request_context():
        assert not StoredChoice("a", True, 1, MADE_AT).is_honoured(MADE_AT)
        assert StoredChoice("a", True, 2, MADE_AT).is_honoured(MADE_AT)


def test_choice_stamped_in_the_future_is_not_honoured(app):
    """A time beyond clock skew would stretch the consent past its lifetime."""
    with app.test_request_context():
        choice = StoredChoice("a", True, 1, MADE_AT)
        assert choice.is_honoured(MADE_AT - timedelta(minutes=4))
        assert not choice.is_honoured(MADE_AT - timedelta(hours=1))


def test_store_choice_sets_a_lax_http_only_cookie_for_the_lifetime(app):
    """Max-Age is the honoured lifetime; scripts cannot read it; Lax keeps it first-party."""
    with app.test_request_context():
        response = Response()
        store_choice(response, StoredChoice("a", False, 1, MADE_AT))
    header = response.headers["Set-Cookie"]
    assert header.startswith("joans_consent=")
    attributes = {part.strip().split("=")[0] for part in header.split(";")[1:]}
    assert {"Max-Age", "HttpOnly", "Path", "SameSite"} <= attributes
    assert f"Max-Age={180 * 86400}" in header
    assert "SameSite=Lax" in header
    assert "Path=/" in header
    assert "Secure" not in header  # development and tests run on plain HTTP
    assert "Domain" not in header


def test_expiring_analytics_cookies_covers_host_and_domain_and_nothing_else(app):
    """Each _ga/_ga_* cookie is expired host-only and on COOKIE_DOMAIN; others are left alone."""
    app.config["COOKIE_DOMAIN"] = "joans.se"
    with app.test_request_context():
        response = Response()
        expire_analytics_cookies(response, ["_ga", "_ga_ABC123", "_gat", "ga", "joans_consent"])
    headers = response.headers.getlist("Set-Cookie")
    assert len(headers) == 4
    for name in ("_ga", "_ga_ABC123"):
        mine = [h for h in headers if h.startswith(f"{name}=;")]
        assert len(mine) == 2
        assert all("Max-Age=0" in h and "Path=/" in h for h in mine)
        assert sum("Domain=joans.se" in h for h in mine) == 1
