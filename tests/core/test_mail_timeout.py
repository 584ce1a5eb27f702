"""A mail server that accepts connections and never answers costs MAIL_TIMEOUT, not a worker."""

from __future__ import annotations

import smtplib
import socket
import threading

import pytest
from sqlalchemy import select

from joans.contact.services import submit_callback_request
from joans.extensions import db
from joans.mail import send_email
from joans.models import CallbackRequest


@pytest.fixture
def silent_port():
    """A port where connections are accepted by the kernel and then nothing is ever said."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        yield silent.getsockname()[1]


@pytest.fixture
def app_config(silent_port):
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": silent_port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_TIMEOUT": 1,
    }


def run_with_deadline(function, seconds: float):
    """Run ``function`` in a thread; fail instead of hanging if it outlives ``seconds``.

    Only a guard against a test that never ends: what the tests check is the error the
    timeout raises, not how long it took.
    """
    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        except Exception as error:  # handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    return outcome


def test_sending_gives_up_after_the_timeout(app):
    """send_email fails (smtplib reports the timeout as a disconnect) instead of waiting forever."""

    def send():
        with app.test_request_context("/"):
            context = {"inbox_url": "/", "max_age_days": 30, "language_code": "sv"}
            send_email(
                to="a@example.se",
                subject="x",
                template="callback_requested",
                language="sv",
                **context,
            )

    outcome = run_with_deadline(send, seconds=30)
    assert isinstance(outcome.get("error"), TimeoutError | smtplib.SMTPServerDisconnected)


def test_call_back_request_is_stored_although_the_mail_server_hangs(app):
    """The visitor's request is saved and the page answers within the timeout."""

    def submit():
        with app.test_request_context("/kontakt", method="POST"):
            return submit_callback_request(
                name="Märta Ödmark", phone="+46701234567", service=None, language="sv"
            ).id

    outcome = run_with_deadline(submit, seconds=30)
    with app.app_context():
        assert db.session.scalars(select(CallbackRequest.id)).all() == [outcome["value"]]
