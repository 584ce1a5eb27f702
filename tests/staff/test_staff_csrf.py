"""Every back-office POST needs the session's CSRF token (DESIGN.md: the staff area has both)."""

from __future__ import annotations

from tests.staff.test_staff_access import staff_routes


def test_every_staff_post_without_a_token_is_refused(app, client, login_as_staff):
    """Logged in as an admin, each POST route without a token answers 400 and changes nothing."""
    login_as_staff(client, role="admin")
    posts = [(endpoint, url) for endpoint, method, url in staff_routes(app) if method == "POST"]
    assert len(posts) >= 15
    for endpoint, url in posts:
        response = client.post(url, data={"q": "x", "body": "x", "email": "a@joans.se"})
        assert response.status_code == 400, endpoint
    assert client.get("/staff/").status_code == 200  # still logged in: logout needed a token too


def test_a_token_from_another_session_is_refused(app, client, login_as_staff):
    """A token stolen from one staff member's page does not work in another's session."""
    from tests.conftest import csrf_token_in

    login_as_staff(client)
    other = app.test_client()
    login_as_staff(other)
    foreign = csrf_token_in(other.get("/staff/").text)
    response = client.post("/staff/search", data={"q": "anna", "csrf_token": foreign})
    assert response.status_code == 400


def test_the_staff_blueprint_is_not_exempt(app):
    """CSRFProtect checks the staff views (the public blueprints alone are exempt)."""
    csrf = app.extensions["csrf"]
    assert "staff" not in csrf._exempt_blueprints
    staff_views = {
        f"{view.__module__}.{view.__name__}"
        for endpoint, view in app.view_functions.items()
        if endpoint.startswith("staff.")
    }
    assert not staff_views & csrf._exempt_views
