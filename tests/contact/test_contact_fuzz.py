"""Whatever is posted to the contact form, the answer is never a server error or half a request."""

from __future__ import annotations

import time
import unicodedata

import pytest
import time_machine
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from joans.contact.forms import issue_start_token
from joans.extensions import db
from joans.models import CallbackRequest
from joans.models.callbacks import SERVICES
from joans.validation import normalise_phone

# Everything a form field can carry: any text except lone surrogates, which no browser can encode.
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
PHONES = st.one_of(
    ANY_TEXT,
    st.from_regex(r"\A[+0]?[0-9 ()\-]{0,20}\Z"),
    st.sampled_from(["070-123 45 67", "+44 20 7946 0958", "08-123 456 78", "+1 212 555 0199"]),
)
NAMES = st.one_of(
    ANY_TEXT,
    st.text(st.characters(categories=["L", "M", "Zs", "Pd"]), max_size=110),
    st.sampled_from(["Anna", " Bo ", "Åsa Öberg", "x" * 100]),
)
SERVICE_VALUES = st.one_of(ANY_TEXT, st.sampled_from(["", *SERVICES]), st.sampled_from(SERVICES))


@pytest.fixture
def app_config():
    """No limit, so every generated example reaches the form."""
    return {"CALLBACK_RATE_LIMIT": "100000 per hour"}


def _fields():
    """Forms with one field generated and the others plausible (so many reach the database),
    and forms with any fields at all."""
    valid_phone = st.sampled_from(["070-123 45 67", "+44 20 7946 0958"])

    def form(name, phone):
        return st.fixed_dictionaries(
            {"name": name, "phone": phone, "started": st.just("VALID")},
            optional={
                "service": SERVICE_VALUES,
                "website": st.sampled_from(["", "", "", "https://spam.example"]),
                "lang_code": ANY_TEXT,  # a stray field must be ignored
            },
        )

    anything = st.dictionaries(
        st.sampled_from(["name", "phone", "service", "website", "started"]),
        st.one_of(st.just("VALID"), ANY_TEXT),
    )
    return st.one_of(form(NAMES, valid_phone), form(st.just("Anna"), PHONES), anything)


def _is_complete(callback: CallbackRequest) -> bool:
    """A stored request that the form could have produced: every field valid, nothing partial."""
    return (
        0 < len(callback.name) <= 100
        and callback.name == callback.name.strip()
        and not any(unicodedata.category(c) == "Cc" for c in callback.name)
        and normalise_phone(callback.phone) == callback.phone
        and callback.service in (None, *SERVICES)
        and callback.language in ("sv", "en")
        and callback.created_at is not None
    )


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fields=_fields(), url=st.sampled_from(["/kontakt", "/en/contact"]))
def test_generated_input_never_gives_a_server_error_or_half_a_request(app, client, fields, url):
    """Each post is either accepted whole (303, one complete row) or refused (422, no row)."""
    with app.test_request_context():
        valid_token = issue_start_token()
    fields = {key: valid_token if value == "VALID" else value for key, value in fields.items()}
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(CallbackRequest))
    with time_machine.travel(time.time() + 10):
        response = client.post(url, data=fields)
    event(f"status {response.status_code}")
    assert response.status_code in (303, 422), response.status_code
    with app.app_context():
        rows = db.session.scalars(select(CallbackRequest)).all()
    assert len(rows) == before + (1 if response.status_code == 303 else 0)
    assert all(_is_complete(row) for row in rows)
