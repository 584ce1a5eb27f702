"""The second factor in the browser flow: login with TOTP or a recovery code, enrolment."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import time_machine

from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.staff import StaffUser
from tests.conftest import csrf_token_in

NOW = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)


def password_step(client, account, staff_post):
    """Pass the first step; the response sends the client to the code page."""
    response = staff_post(
        client, "/staff/login", {"email": account.email, "password": account.password}
    )
    assert response.headers["Location"] == "/staff/login/code"
    return response


def test_login_needs_the_code_after_the_password(client, make_staff, staff_post):
    """The password alone opens nothing when TOTP is on."""
    account = make_staff(totp=True)
    with time_machine.travel(NOW, tick=False):
        password_step(client, account, staff_post)
        assert client.get("/staff/").status_code == 302
        response = staff_post(client, "/staff/login/code", {"code": account.totp_code()})
        assert response.headers["Location"] == "/staff/"
        assert client.get("/staff/").status_code == 200


def test_a_reused_code_does_not_log_in_a_second_time(app, make_staff, staff_post):
    """Someone who saw a code over a shoulder cannot use it after its owner did."""
    account = make_staff(totp=True)
    owner, onlooker = app.test_client(), app.test_client()
    with time_machine.travel(NOW, tick=False):
        code = account.totp_code()
        password_step(owner, account, staff_post)
        assert (
            staff_post(owner, "/staff/login/code", {"code": code}).headers["Location"] == "/staff/"
        )
        password_step(onlooker, account, staff_post)
        response = staff_post(onlooker, "/staff/login/code", {"code": code})
    assert response.status_code == 200
    assert "Koden är fel eller har redan använts." in response.text


def test_a_code_from_the_wrong_window_is_refused(client, make_staff, staff_post):
    """A code from two steps ago is refused."""
    account = make_staff(totp=True)
    with time_machine.travel(NOW, tick=False):
        password_step(client, account, staff_post)
        old = pyotp.TOTP(account.totp_secret).at(NOW - timedelta(seconds=65))
        response = staff_post(client, "/staff/login/code", {"code": old})
    assert response.status_code == 200
    assert client.get("/staff/").status_code == 302


def test_a_recovery_code_logs_in_once(app, make_staff, staff_post):
    """A recovery code replaces the TOTP code once; the audit log notes its use."""
    account = make_staff(totp=True)
    code = account.recovery_codes[0]
    first, second = app.test_client(), app.test_client()
    password_step(first, account, staff_post)
    assert staff_post(first, "/staff/login/code", {"code": code}).headers["Location"] == "/staff/"
    password_step(second, account, staff_post)
    assert staff_post(second, "/staff/login/code", {"code": code}).status_code == 200
    with app.app_context():
        used = db.session.scalars(
            db.select(AuditEvent).filter_by(action="staff.recovery_code_used")
        ).all()
    assert len(used) == 1


def test_enrolment_shows_a_local_qr_code_and_needs_a_valid_code(
    app, client, make_staff, login_as_staff, staff_post
):
    """Enrolment: QR code as a data URI, a wrong code keeps TOTP off, a right one turns it on
    and shows ten recovery codes once."""
    account = make_staff(totp=False)
    login_as_staff(client, account)
    page = client.get("/staff/account/two-factor")
    assert 'src="data:image/svg+xml' in page.text
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)[1].replace(" ", "")
    token = csrf_token_in(page.text)
    wrong = client.post("/staff/account/two-factor", data={"code": "000000", "csrf_token": token})
    assert "Koden stämmer inte" in wrong.text
    right = client.post(
        "/staff/account/two-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", right.text)
    assert len(codes) == 10
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        assert user.totp_secret == secret
    # The codes are not shown again.
    later = client.get("/staff/account/two-factor").text
    assert not any(code in later for code in codes)
    assert "Du har 10 reservkoder kvar." in later


def test_renewing_recovery_codes_asks_for_the_password_after_fifteen_minutes(
    client, make_staff, login_as_staff, staff_post
):
    """New recovery codes are a sensitive change: an old login confirms the password first,
    comes back to the two-factor page (the button's address takes POST only) and presses again."""
    account = make_staff(totp=True)
    from_page = {"Referer": "http://localhost/staff/account/two-factor"}
    with time_machine.travel(NOW, tick=False) as clock:
        login_as_staff(client, account)
        clock.shift(timedelta(minutes=16))
        response = staff_post(client, "/staff/account/recovery-codes", headers=from_page)
        assert response.headers["Location"].startswith("/staff/reauthenticate")
        back = staff_post(
            client,
            response.headers["Location"],
            {"password": account.password},
            follow_redirects=True,
        )
        assert back.status_code == 200
        assert back.request.path == "/staff/account/two-factor"
        renewed = staff_post(client, "/staff/account/recovery-codes", headers=from_page)
    assert renewed.status_code == 200
    assert len(re.findall(r"<li><code>", renewed.text)) == 10
