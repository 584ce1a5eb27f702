"""The "what we keep" table on the privacy page and the staff record of processing."""

from __future__ import annotations

import re

import pytest


def table_rows(html: str) -> list[str]:
    """The text of each body row of the "what we keep" table."""
    body = html[html.index('class="retention-table"') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/integritetspolicy", "Ringa upp dig när du ber om det i kontaktformuläret"
         " Namn, telefonnummer och e-postadresser, vad du frågade om och på vilket språk"
         " Ett avtal med dig, eller åtgärder du bett om innan ett avtal (art. 6.1 b)"
         " Tills vi har ringt dig, och högst 30 dagar Ingen"),
        ("/en/privacy", "Calling you back when you ask us to in the contact form"
         " Names, phone numbers and e-mail addresses, what you asked about and in which language"
         " A contract with you, or steps you asked for before one (art. 6(1)(b))"
         " Until we have called you, and at most 30 days Nobody"),
    ],
)  # fmt: skip
def test_privacy_page_lists_what_we_keep_in_the_visitors_language(client, url, expected):
    """One row per purpose: why, what, legal basis, how long, shared with whom."""
    assert expected in table_rows(client.get(url).text)


def test_the_table_follows_the_configured_retention(app, client):
    """Change the setting and the promise on the page changes with it."""
    app.config["CALLBACK_MAX_AGE_DAYS"] = 14
    rows = table_rows(client.get("/en/privacy").text)
    assert any("at most 14 days" in row for row in rows)


def test_statistics_row_names_google_as_recipient(client):
    """The only recipients are the ones the policy names."""
    rows = table_rows(client.get("/en/privacy").text)
    (statistics,) = [row for row in rows if row.startswith("Remembering your choice")]
    assert statistics.endswith("Google, for Google Analytics, only after you accept")
    assert not any("Staff accounts" in row for row in rows)


def test_staff_record_of_processing_lists_tables_rules_and_measures(client, login_as_staff):
    """Staff see every purpose, including their own accounts, with columns and rule names."""
    login_as_staff(client)
    html = client.get("/staff/privacy").text
    assert "Registerförteckning" in html
    assert "<code>callback_request.phone</code>" in html
    assert "<code>staff_account</code>" in html
    assert "Personalens konton och säkerheten i administrationen" in html
    assert "Inloggningen upphör efter 30 minuter utan aktivitet och efter högst 12 timmar" in html
