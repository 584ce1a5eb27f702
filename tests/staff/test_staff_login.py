"""Logging in and out, sessions and their timeouts (CHECKLISTS.md, "Staff login and sessions")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from joans import create_app
from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.staff import StaffSession
from joans.staff import two_factor
from tests.public import PUBLIC_URLS

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def actions(app) -> list[str]:
    """The audit log's actions, oldest first."""
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def session_cookie(client):
    """The staff session cookie the client holds, or None."""
    return client.get_cookie("joans_staff", path="/")


def test_wrong_password_and_unknown_address_get_the_same_answer(client, make_staff, staff_post):
    """Nobody learns from the login form which addresses have accounts."""
    account = make_staff()
    wrong = staff_post(client, "/staff/login", {"email": account.email, "password": "x" * 12})
    unknown = staff_post(client, "/staff/login", {"email": "nobody@joans.se", "password": "x" * 12})
    message = "E-postadressen eller lösenordet är fel."
    assert wrong.status_code == unknown.status_code == 200
    assert message in wrong.text and message in unknown.text


def test_login_logout_and_failures_are_audited_without_values(app, client, make_staff, staff_post):
    """Failed login, login and logout each leave an event; no password or address in them."""
    account = make_staff()
    staff_post(client, "/staff/login", {"email": account.email, "password": "wrong password!"})
    staff_post(client, "/staff/login", {"email": account.email, "password": account.password})
    staff_post(client, "/staff/logout")
    assert actions(app) == ["staff.created", "staff.login_failed", "staff.login", "staff.logout"]
    with app.app_context():
        for event in db.session.scalars(db.select(AuditEvent)):
            text = repr(event.details)
            assert account.email not in text and "wrong password" not in text


def test_a_wrong_second_factor_code_is_audited_as_a_failed_second_step(
    app, client, make_staff, staff_post
):
    """Password right, code wrong: a "login_failed" event names the account and the step."""
    account = make_staff(totp=True)
    with time_machine.travel(START, tick=False):
        now = two_factor.current_step()
        accepted = {account.totp_code(now + offset) for offset in two_factor.ACCEPTED_STEPS}
        wrong = next(code for code in ("000000", "111111", "222222") if code not in accepted)
        staff_post(client, "/staff/login", {"email": account.email, "password": account.password})
        response = staff_post(client, "/staff/login/code", {"code": wrong})
    assert response.status_code == 200
    assert client.get("/staff/").status_code == 302
    assert actions(app)[-1] == "staff.login_failed"
    with app.app_context():
        event = db.session.scalars(
            db.select(AuditEvent).filter_by(action="staff.login_failed")
        ).one()
    assert (event.actor_id, event.subject_type, event.subject_id, event.details) == (
        None,
        "staff_user",
        account.id,
        {"step": "second_factor"},  # neither the code nor the address
    )


def test_login_starts_a_new_session(app, client, make_staff, staff_post):
    """Whatever the cookie held before login is gone, and each login gets a new session id."""
    account = make_staff()
    client.get("/staff/login")
    before = session_cookie(client).value
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    staff_post(client, "/staff/login", {"email": account.email, "password": account.password})
    after = session_cookie(client).value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        first_token = session["_user_id"]
    staff_post(client, "/staff/logout")
    staff_post(client, "/staff/login", {"email": account.email, "password": account.password})
    with client.session_transaction() as session:
        assert session["_user_id"] != first_token
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(StaffSession.id))) == 1


def test_logout_ends_the_session_even_for_a_copy_of_the_cookie(
    app, client, login_as_staff, staff_post
):
    """A cookie saved before logout no longer opens the back office."""
    login_as_staff(client)
    copy = session_cookie(client).value
    assert client.get("/staff/").status_code == 200
    response = staff_post(client, "/staff/logout")
    assert response.headers["Location"] == "/staff/login"
    assert client.get("/staff/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("joans_staff", copy)
    response = thief.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")


def test_logout_is_a_post(client, login_as_staff):
    """A link or an image cannot log someone out (GET is not allowed)."""
    login_as_staff(client)
    assert client.get("/staff/logout").status_code == 405


@pytest.mark.parametrize(("idle_minutes", "still_in"), [(29, True), (31, False)])
def test_idle_timeout_is_thirty_minutes(app, client, login_as_staff, idle_minutes, still_in):
    """A session unused for more than 30 minutes has ended; one used within them goes on."""
    with time_machine.travel(START, tick=False) as clock:
        login_as_staff(client)
        clock.shift(timedelta(minutes=idle_minutes))
        response = client.get("/staff/")
    assert (response.status_code == 200) is still_in
    if not still_in:
        assert "session_expired" in actions(app)[-1]


def test_activity_keeps_the_session_alive_until_twelve_hours(client, login_as_staff):
    """Working every 20 minutes keeps the session for 12 hours and not a minute longer."""
    with time_machine.travel(START, tick=False) as clock:
        login_as_staff(client)
        for _ in range(35):  # 35 × 20 min = 11 h 40 min
            clock.shift(timedelta(minutes=20))
            assert client.get("/staff/").status_code == 200
        clock.shift(timedelta(minutes=19))  # 11:59
        assert client.get("/staff/").status_code == 200
        clock.shift(timedelta(minutes=2))  # 12:01
        response = client.get("/staff/")
        assert response.status_code == 302
        login_page = client.get(response.headers["Location"])
    assert "Din session har avslutats" in login_page.text


def test_the_session_cookie_is_a_browser_session_cookie_without_remember_me(client, login_as_staff):
    """No Expires/Max-Age (it dies with the browser) and no remember-me cookie at all."""
    login_as_staff(client)
    cookie = session_cookie(client)
    assert cookie.expires is None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert client.get_cookie("remember_token") is None


def test_production_cookie_is_secure_with_the_host_prefix(migrated_database):
    """In production the cookie is `__Host-`, `Secure`, `HttpOnly`, `SameSite=Lax`."""
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "real",
            "NEWSLETTER_SECRET_KEY": "another",
            "DATABASE_URL": migrated_database,
            "SITE_URL": "https://joans.se",
        }
    )
    response = app.test_client().get("/staff/login", base_url="https://joans.se")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-joans_staff=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie


@pytest.mark.parametrize(
    ("url", "status"),
    [*((url, 200) for url in PUBLIC_URLS), ("/robots.txt", 200), ("/does-not-exist", 404)],
)
def test_public_pages_never_set_the_cookie_for_a_logged_in_staff_member(
    client, login_as_staff, url, status
):
    """The public site's no-cookie promise holds even while the staff session is open."""
    login_as_staff(client)
    with client.session_transaction() as session:
        session["modified on the public site"] = True  # would force a write, were one allowed
    response = client.get(url)
    assert response.status_code == status
    assert "Set-Cookie" not in response.headers


def test_deactivation_ends_open_sessions(app, client, login_as_staff, make_staff):
    """An account deactivated by an admin is out on its next request."""
    account = login_as_staff(client)
    admin_client = app.test_client()
    admin = make_staff(role="admin")
    login_as_staff(admin_client, admin)
    from tests.conftest import csrf_token_in

    token = csrf_token_in(admin_client.get(f"/staff/accounts/{account.id}").text)
    admin_client.post(f"/staff/accounts/{account.id}/deactivate", data={"csrf_token": token})
    assert client.get("/staff/").status_code == 302
    response = client.post(
        "/staff/login",
        data={
            "email": account.email,
            "password": account.password,
            "csrf_token": csrf_token_in(client.get("/staff/login").text),
        },
    )
    assert response.status_code == 200  # the form again, with the error


def test_an_admin_without_two_factor_must_set_it_up_first(client, make_staff, login_as_staff):
    """Admins are held on the enrolment page: TOTP is required for them."""
    admin = make_staff(role="admin", totp=False)
    login_as_staff(client, admin)
    response = client.get("/staff/companies")
    assert response.headers["Location"] == "/staff/account/two-factor"
    assert client.get("/staff/account/two-factor").status_code == 200


def test_a_staff_member_without_two_factor_may_work(client, make_staff, login_as_staff):
    """For the staff role the second factor is recommended, not required."""
    login_as_staff(client, make_staff(role="staff", totp=False))
    assert client.get("/staff/companies").status_code == 200


def test_the_second_step_expires_after_five_minutes(client, make_staff, staff_post):
    """A password step left waiting does not let a later code in."""
    account = make_staff(totp=True)
    with time_machine.travel(START, tick=False) as clock:
        staff_post(client, "/staff/login", {"email": account.email, "password": account.password})
        clock.shift(timedelta(minutes=6))
        response = staff_post(client, "/staff/login/code", {"code": account.totp_code()})
    assert response.headers["Location"] == "/staff/login"
    assert client.get("/staff/").status_code == 302


def test_login_page_speaks_the_browsers_language_and_the_app_the_members(
    client, make_staff, login_as_staff
):
    """Before login: Accept-Language; after: the language stored on the account."""
    english = client.get("/staff/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in english.text and "Log in" in english.text
    swedish = client.get("/staff/login", headers={"Accept-Language": "sv-SE"})
    assert '<html lang="sv">' in swedish.text and "Logga in" in swedish.text
    login_as_staff(client, make_staff(language="en"))
    page = client.get("/staff/", headers={"Accept-Language": "sv"})
    assert '<html lang="en">' in page.text and "Overview" in page.text
