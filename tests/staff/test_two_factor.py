"""TOTP codes (RFC 6238) and recovery codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import time_machine

from joans.extensions import db
from joans.models.staff import StaffUser
from joans.staff import two_factor

NOW = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)


def _user(app, make_staff) -> tuple[StaffUser, pyotp.TOTP]:
    account = make_staff(totp=True)
    user = db.session.get(StaffUser, account.id)
    return user, pyotp.TOTP(account.totp_secret)


def test_current_code_is_accepted_once(app, make_staff):
    """A valid code logs in; the same code a second later is refused (no replay)."""
    with app.app_context(), time_machine.travel(NOW, tick=False):
        user, totp = _user(app, make_staff)
        code = totp.now()
        assert two_factor.accept_totp(user, code)
        assert not two_factor.accept_totp(user, code)


def test_codes_one_step_either_side_are_accepted(app, make_staff):
    """A phone clock 30 s off still works: the previous and the next code are accepted."""
    with app.app_context(), time_machine.travel(NOW, tick=False):
        step = two_factor.current_step()
        user, totp = _user(app, make_staff)
        assert two_factor.accept_totp(user, totp.generate_otp(step - 1))
        user.totp_last_step = None
        assert two_factor.accept_totp(user, totp.generate_otp(step + 1))


def test_codes_outside_the_window_are_refused(app, make_staff):
    """Codes from a minute ago or a minute ahead are refused."""
    with app.app_context(), time_machine.travel(NOW, tick=False):
        step = two_factor.current_step()
        user, totp = _user(app, make_staff)
        assert not two_factor.accept_totp(user, totp.generate_otp(step - 2))
        assert not two_factor.accept_totp(user, totp.generate_otp(step + 2))


def test_an_older_code_is_refused_after_a_newer_one(app, make_staff):
    """After the current code, the previous step's code (still in the window) is refused."""
    with app.app_context(), time_machine.travel(NOW, tick=False):
        step = two_factor.current_step()
        user, totp = _user(app, make_staff)
        assert two_factor.accept_totp(user, totp.generate_otp(step))
        assert not two_factor.accept_totp(user, totp.generate_otp(step - 1))


def test_malformed_codes_are_refused(app, make_staff):
    """Letters, short codes and empty input never match."""
    with app.app_context():
        user, _ = _user(app, make_staff)
        for code in ("", "12345", "1234567", "abcdef", "12 34 5x"):
            assert not two_factor.accept_totp(user, code)


def test_recovery_codes_work_once_each(app, make_staff):
    """Each recovery code is accepted once, in any case and with or without its hyphen."""
    account = make_staff(totp=True)
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        first, second = account.recovery_codes[:2]
        assert two_factor.use_recovery_code(user, first)
        assert not two_factor.use_recovery_code(user, first)
        assert two_factor.use_recovery_code(user, second.upper().replace("-", ""))
        assert len(user.recovery_codes) == two_factor.RECOVERY_CODE_COUNT - 2


def test_recovery_codes_are_stored_hashed(app, make_staff):
    """The database holds no recovery code in clear."""
    account = make_staff(totp=True)
    with app.app_context():
        stored = {code.code_hash for code in db.session.get(StaffUser, account.id).recovery_codes}
    for code in account.recovery_codes:
        assert code not in stored and code.replace("-", "") not in stored


def test_qr_code_is_an_svg_drawn_here():
    """The QR code is an inline SVG data URI: no image service ever sees the secret."""
    uri = two_factor.qr_code_data_uri(two_factor.new_secret(), "anna@joans.se", "Joans")
    assert uri.startswith("data:image/svg+xml")
    assert "http" not in uri.split(",", 1)[1].replace("http%3A%2F%2Fwww.w3.org", "")
