"""The mail helper renders a text and HTML pair in the recipient's language and sends it."""

from __future__ import annotations

import jinja2
import pytest
from flask_babel import lazy_gettext as _l

from joans import create_app
from joans.mail import send_email


@pytest.fixture
def app_config(smtp_server):
    return smtp_server.app_config


def add_greeting_template(app, folder):
    """Give ``app`` a throwaway e-mail template pair, so the helper is tested on its own."""
    (folder / "email").mkdir(exist_ok=True)
    (folder / "email" / "greeting.txt").write_text("{{ _('Page not found') }}, {{ name }}")
    (folder / "email" / "greeting.html").write_text("<p>{{ _('Page not found') }}, {{ name }}</p>")
    app.jinja_loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder), app.jinja_loader])


@pytest.fixture
def app(app, tmp_path):
    add_greeting_template(app, tmp_path)
    return app


@pytest.mark.parametrize(
    ("language", "text"), [("sv", "Sidan finns inte"), ("en", "Page not found")]
)
def test_email_is_delivered_in_the_recipients_language(app, smtp_server, language, text):
    """Subject, plain text and HTML are all in the language asked for, whatever the request's."""
    with app.test_request_context("/"):
        send_email(
            to="kund@example.se",
            subject=_l("Page not found"),
            template="greeting",
            language=language,
            name="<Anna>",
        )
    (message,) = smtp_server.messages
    assert message["To"] == "kund@example.se"
    assert message["Subject"] == text
    assert message.get_body(("plain",)).get_content().strip() == f"{text}, <Anna>"
    assert message.get_body(("html",)).get_content().strip() == f"<p>{text}, &lt;Anna&gt;</p>"


def test_development_prints_mail_instead_of_sending(
    migrated_database, capsys, smtp_server, tmp_path
):
    """On a laptop nothing leaves the machine; the message appears in the console."""
    app = create_app({"ENV": "development", "DATABASE_URL": migrated_database})
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    add_greeting_template(app, tmp_path)
    with app.test_request_context("/"):
        send_email(to="a@example.se", subject="Hej", template="greeting", language="sv", name="A")
    assert smtp_server.messages == []
    assert "e-mail (not sent in development)" in capsys.readouterr().out
