"""Every back-office URL is behind the guard (CHECKLISTS.md, "Staff login and sessions").

The tests walk the URL map, so a view added later is covered without being listed here.
"""

from __future__ import annotations

import pytest

from joans.areas import is_staff_path
from joans.extensions import db
from joans.models.crm import Company, Contact

# The only back-office pages an anonymous visitor may open: the steps of logging in.
PUBLIC_ENDPOINTS = {
    "staff.login",
    "staff.login_second_factor",
    "staff.forgot_password",
    "staff.set_password",
}
ADMIN_ENDPOINTS = {
    "staff.accounts",
    "staff.account_invite",
    "staff.account_detail",
    "staff.account_role",
    "staff.account_deactivate",
    "staff.account_reactivate",
    "staff.account_reset_two_factor",
    "staff.audit_log",
    "staff.export",
    "staff.export_download",
    "staff.data_request_export",
    "staff.data_request_export_download",
    "staff.data_request_erasure",
    "staff.data_request_erase",
    "staff.products",
    "staff.product_new",
    "staff.product_edit",
}
SAMPLE_VALUES = {
    "company_id": 1,
    "contact_id": 1,
    "user_id": 1,
    "kind": "companies",
    "purpose": "reset",
    "token": "x",
    "request_id": 1,
    "order_id": 1,
    "invoice_id": 1,
    "domain_id": 1,
    "product_id": 1,
    "status": "confirmed",
    "newsletter_id": 1,
    "language": "sv",
}


def staff_routes(app):
    """(endpoint, method, url) for every back-office rule and method."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not is_staff_path(rule.rule):
            continue
        values = {name: SAMPLE_VALUES[name] for name in rule.arguments}
        url = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, url))
    return routes


def test_the_walk_sees_every_staff_view(app):
    """The map has the views this file names, so the walks below are not walking nothing."""
    endpoints = {endpoint for endpoint, _, _ in staff_routes(app)}
    assert endpoints >= PUBLIC_ENDPOINTS | ADMIN_ENDPOINTS
    assert {"staff.dashboard", "staff.companies", "staff.contact_detail"} <= endpoints


def test_every_staff_endpoint_refuses_anonymous_users(app, client):
    """Anonymous requests are sent to the login page and see no data; POSTs change nothing."""
    app.config["WTF_CSRF_ENABLED"] = False  # so a POST reaches the guard, not the CSRF check
    for endpoint, method, url in staff_routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/staff/login"), (method, url)


def test_only_the_login_steps_are_open_to_anonymous_users(app, client):
    """The set of public back-office endpoints is exactly the login steps."""
    open_endpoints = {
        endpoint
        for endpoint, method, url in staff_routes(app)
        if method == "GET" and client.get(url).status_code != 302
    }
    assert open_endpoints <= PUBLIC_ENDPOINTS


def test_admin_endpoints_refuse_staff(app, client, login_as_staff):
    """A staff member gets 403 on every admin page and action, whatever the method."""
    login_as_staff(client, role="staff")
    app.config["WTF_CSRF_ENABLED"] = False
    admin_routes = [route for route in staff_routes(app) if route[0] in ADMIN_ENDPOINTS]
    assert {route[0] for route in admin_routes} == ADMIN_ENDPOINTS
    for _, method, url in admin_routes:
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_admin_endpoints_open_to_admins(client, login_as_staff):
    """The same pages work for an admin, so the 403s above are about the role."""
    login_as_staff(client, role="admin")
    for url in ("/staff/accounts", "/staff/audit", "/staff/export"):
        assert client.get(url).status_code == 200


def test_ids_from_another_table_give_404(app, client, login_as_staff):
    """A contact's id in a company URL (and the other way round) finds nothing, not data."""
    login_as_staff(client, role="admin")
    # Ids far above any sequence, so each exists in one table only.
    company_id, contact_id = 900_001, 900_002
    with app.app_context():
        db.session.add(Company(id=company_id, name="Only Company AB"))
        db.session.add(Contact(id=contact_id, first_name="Only", last_name="Contact"))
        db.session.commit()
    assert client.get(f"/staff/companies/{company_id}").status_code == 200
    assert client.get(f"/staff/contacts/{contact_id}").status_code == 200
    for url in (
        f"/staff/companies/{contact_id}",
        f"/staff/companies/{contact_id}/edit",
        f"/staff/contacts/{company_id}",
        f"/staff/contacts/{company_id}/edit",
        f"/staff/accounts/{contact_id}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Only Company" not in response.text and "Only Contact" not in response.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/staff",
        "/en/",
        "/staff\\@evil",
        "/staff/../en/",
        "/staff/export/contacts",  # answers POST only: 405 after the login
    ],
)
def test_login_never_redirects_outside_the_back_office(client, make_staff, staff_post, target):
    """The ``next`` parameter only ever leads to a /staff path (no open redirect)."""
    account = make_staff()
    response = staff_post(
        client,
        f"/staff/login?next={target}",
        {"email": account.email, "password": account.password},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
