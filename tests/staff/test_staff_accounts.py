"""Staff accounts: the command line, invitations, password links, the password rule, roles."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from joans.extensions import db
from joans.models.audit import AuditEvent
from joans.models.staff import StaffUser
from joans.models.types import utcnow
from tests.conftest import csrf_token_in


@pytest.fixture
def app_config(smtp_server):
    return {**smtp_server.app_config, "SITE_URL": "https://joans.se"}


def test_cli_creates_an_admin_with_a_prompted_password(app, runner):
    """`flask staff create EMAIL --admin` asks for the password twice and never prints it."""
    password = "hästen springer över bron"
    result = runner.invoke(
        args=["staff", "create", "Boss@Joans.se", "--admin", "--name", "Boss"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code == 0, result.output
    assert password not in result.output
    assert "Created admin account" in result.output
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser))
        assert (user.email, user.role, user.active) == ("boss@joans.se", "admin", True)
        assert user.password_hash.startswith("$argon2id$")


def test_cli_refuses_a_short_password_and_asks_again(app, runner):
    """Eleven characters are refused with the reason; the next answer is used."""
    good = "tolv tecken!"
    result = runner.invoke(
        args=["staff", "create", "a@joans.se", "--name", "A"],
        input=f"elva tecken\nelva tecken\n{good}\n{good}\n",
    )
    assert result.exit_code == 0, result.output
    assert "12" in result.output


def test_cli_refuses_an_existing_address(app, runner, make_staff):
    """One account per address."""
    account = make_staff()
    result = runner.invoke(
        args=["staff", "create", account.email, "--name", "X"],
        input="x" * 12 + "\n" + "x" * 12 + "\n",
    )
    assert result.exit_code != 0
    assert "exists already" in result.output


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("a" * 11, False),
        ("a" * 12, True),
        ("åäö " * 3, True),  # any Unicode, spaces included, no composition rules
        ("🔑" * 12, True),
        ("x" * 128, True),
        ("x" * 129, False),
    ],
)
def test_password_rule_is_length_only(client, app, make_staff, staff_post, password, accepted):
    """12 to 128 characters of anything (ASVS 2.1.1-2.1.9), checked on the set-password page."""
    from joans.staff.users import INVITATION, password_token

    account = make_staff()
    with app.app_context():
        token = password_token(db.session.get(StaffUser, account.id), INVITATION)
    response = staff_post(
        client, f"/staff/password/invitation/{token}", {"password": password, "confirm": password}
    )
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert "tecken" in response.text


def invite(client, staff_post, email="ny@joans.se", role="staff"):
    """An admin's invitation through the accounts page."""
    return staff_post(
        client,
        "/staff/accounts/invite",
        {"name": "Nya Kollegan", "email": email, "role": role, "language": "en"},
    )


def link_in(message) -> str:
    """The path of the set-password link in an e-mail."""
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https://joans\.se(/staff/password/\S+)", body)[1]


def test_invitation_e_mail_link_sets_the_password_once(
    app, client, login_as_staff, staff_post, smtp_server
):
    """The invited colleague chooses a password through the link, then logs in; the link dies."""
    login_as_staff(client, role="admin")
    assert invite(client, staff_post).headers["Location"] == "/staff/accounts"
    (message,) = smtp_server.messages
    assert message["To"] == "ny@joans.se"
    assert message["Subject"] == "Your account at Joans"  # in the invitee's language
    path = link_in(message)
    colleague = app.test_client()
    form = colleague.get(path)
    assert "Welcome, Nya Kollegan" in form.text
    password = "a new colleague's password"
    response = colleague.post(
        path,
        data={"password": password, "confirm": password, "csrf_token": csrf_token_in(form.text)},
    )
    assert response.headers["Location"] == "/staff/login"
    assert colleague.get(path).status_code == 400  # used
    login = colleague.post(
        "/staff/login",
        data={
            "email": "ny@joans.se",
            "password": password,
            "csrf_token": csrf_token_in(colleague.get("/staff/login").text),
        },
    )
    assert login.headers["Location"] == "/staff/"


def test_invitation_link_expires_after_seven_days(
    app, client, login_as_staff, staff_post, smtp_server
):
    """An old invitation shows the "link does not work" page."""
    login_as_staff(client, role="admin")
    invite(client, staff_post)
    path = link_in(smtp_server.messages[0])
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1)):
        response = app.test_client().get(path)
    assert response.status_code == 400
    assert "Länken fungerar inte" in response.text or "The link does not work" in response.text


def test_inviting_an_existing_address_is_refused(
    client, login_as_staff, staff_post, make_staff, smtp_server
):
    """No second account and no e-mail for an address that has one."""
    login_as_staff(client, role="admin")
    existing = make_staff()
    response = invite(client, staff_post, email=existing.email.upper())
    assert "Det finns redan ett konto" in response.text
    assert smtp_server.messages == []


def test_forgot_password_answers_the_same_whether_the_address_exists(
    app, client, make_staff, staff_post, smtp_server
):
    """Same redirect and message either way; only a real account gets an e-mail."""
    account = make_staff()
    known = staff_post(
        client, "/staff/forgot-password", {"email": account.email}, follow_redirects=True
    )
    unknown = staff_post(
        client, "/staff/forgot-password", {"email": "nobody@joans.se"}, follow_redirects=True
    )
    flash = "Om adressen hör till ett konto"
    assert flash in known.text and flash in unknown.text
    assert [message["To"] for message in smtp_server.messages] == [account.email]
    path = link_in(smtp_server.messages[0])
    assert path.startswith("/staff/password/reset/")
    new = "another long password"
    staff_post(client, path, {"password": new, "confirm": new})
    assert (
        staff_post(client, "/staff/login", {"email": account.email, "password": new}).status_code
        == 302
    )


def test_a_password_change_ends_other_sessions(app, client, login_as_staff, staff_post):
    """After a new password, a session opened with the old one is out."""
    account = login_as_staff(client)
    other = app.test_client()
    login_as_staff(other, account)
    new = "my brand new password"
    response = staff_post(
        client,
        "/staff/account/password",
        {"current_password": account.password, "password": new, "confirm": new},
    )
    assert response.headers["Location"] == "/staff/account"
    assert client.get("/staff/").status_code == 200
    assert other.get("/staff/").status_code == 302


def test_admin_changes_roles_and_deactivates_but_not_themselves(
    app, client, login_as_staff, make_staff, staff_post
):
    """Role changes and deactivation work on colleagues, are audited, and never on oneself."""
    admin = login_as_staff(client, role="admin")
    colleague = make_staff()
    staff_post(client, f"/staff/accounts/{colleague.id}/role", {"role": "admin"})
    staff_post(client, f"/staff/accounts/{colleague.id}/deactivate")
    own = staff_post(client, f"/staff/accounts/{admin.id}/deactivate", follow_redirects=True)
    assert "Du kan inte ändra din egen roll eller status." in own.text
    with app.app_context():
        user = db.session.get(StaffUser, colleague.id)
        assert (user.role, user.active) == ("admin", False)
        assert db.session.get(StaffUser, admin.id).active
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"staff.role_changed", "staff.deactivated"} <= actions


SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def test_script_like_staff_names_come_back_escaped(
    app, client, login_as_staff, staff_post, smtp_server
):
    """A name typed into the invitation or into one's own settings is text wherever it shows:
    the accounts list, an account's page, the navigation, the invitation and its link's page."""
    admin = login_as_staff(client, role="admin")
    staff_post(
        client,
        "/staff/accounts/invite",
        {"name": SCRIPT, "email": "ny@joans.se", "role": "staff", "language": "sv"},
    )
    staff_post(client, "/staff/account", {"name": SCRIPT, "language": "sv"})
    with app.app_context():
        invited = db.session.scalar(db.select(StaffUser).filter_by(email="ny@joans.se"))
        assert (invited.name, db.session.get(StaffUser, admin.id).name) == (SCRIPT, SCRIPT)
    (message,) = smtp_server.messages
    pages = {
        "accounts": client.get("/staff/accounts").text,
        "invited": client.get(f"/staff/accounts/{invited.id}").text,
        "own account": client.get("/staff/account").text,
        "dashboard": client.get("/staff/").text,
        "e-mail": message.get_body(("html",)).get_content(),
        "link": app.test_client().get(link_in(message)).text,
    }
    for name, page in pages.items():
        assert SCRIPT not in page, name
        assert ESCAPED in page, name
    assert pages["accounts"].count(ESCAPED) >= 2  # both accounts, and the admin in the navigation


def test_preferences_change_the_back_office_language(client, login_as_staff, staff_post):
    """A staff member who picks English gets the back office in English from then on."""
    login_as_staff(client)
    assert '<html lang="sv">' in client.get("/staff/").text
    staff_post(client, "/staff/account", {"name": "Anna", "language": "en"})
    page = client.get("/staff/")
    assert '<html lang="en">' in page.text and "Anna" in page.text
