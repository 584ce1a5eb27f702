"""What a newsletter looks like: Markdown made safe HTML, and each recipient's message.

A campaign is rendered once per language into a :class:`MessageTemplate`; each recipient's
message is then that template with their own ``To``, ``Message-ID`` and unsubscribe link, put
together without the cost of the ``email`` package per message (the outbox sends thousands).

Every message carries exactly one ``List-Unsubscribe`` header with one https URI and a
``mailto:``, exactly one ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058 3.1),
a ``List-Id`` (RFC 2919), all in ASCII, and a visible unsubscribe link in the body (N1, N5).
"""

from __future__ import annotations

import binascii
import contextlib
import re
import secrets
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import nh3
from flask import current_app, render_template
from flask_babel import force_locale
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from joans.areas import external_url
from joans.models.newsletter import Newsletter

# What a newsletter body may contain: text structure and links. No images (remote images tell
# the sender who opened the mail), no styles, no scripts.
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"https", "http", "mailto"}

# Stands for the recipient's unsubscribe link while a campaign is rendered once per language.
URL_PLACEHOLDER = "\ue000unsubscribe-url\ue000"
TOKEN_PLACEHOLDER = "TOKEN"  # noqa: S105 - where a link's token goes, not a secret
CRLF = b"\r\n"

_markdown = MarkdownIt("commonmark", {"html": False}).disable("image")
_INLINE_LINK = re.compile(r"\[([^\]\n]+)\]\((\S+?)\)")


def render_markdown(source: str) -> Markup:
    """Markdown as HTML with only the tags a newsletter needs (nh3 removes everything else)."""
    html = _markdown.render(source)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)  # noqa: S704 - sanitised by nh3 just above


def plain_text(source: str) -> str:
    """The plain-text alternative: the Markdown itself, which reads well, with links spelled out."""
    text = source.replace("\r\n", "\n").replace("\r", "\n").strip()
    return _INLINE_LINK.sub(r"\1 (\2)", text)


def unsubscribe_url_template(language: str) -> str:
    """The absolute unsubscribe URL in ``language`` with ``TOKEN`` where the token goes."""
    return external_url("newsletter.unsubscribe", token=TOKEN_PLACEHOLDER, lang_code=language)


def _header(name: str, value: str) -> bytes:
    """One header line, folded and encoded as RFC 5322 and RFC 2047 say, ending in CRLF."""
    message = EmailMessage(policy=policy.SMTP)
    message[name] = value
    return message.as_bytes().split(CRLF + CRLF, 1)[0] + CRLF


def _qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends: 7-bit safe, lines of at most 76 characters."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(normalised.encode(), istext=True).replace(b"\n", CRLF)


def smtp_address(address: str) -> tuple[str, bool]:
    """``address`` as it goes into SMTP and the To header, and whether it needs SMTPUTF8.

    The domain is IDNA-encoded; a local part outside ASCII needs a server that speaks SMTPUTF8
    (RFC 6531).
    """
    local, _, domain = address.rpartition("@")
    # An undecodable domain is left as it is: the server refuses it and the row fails.
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}", not local.isascii()


def message_id_domain() -> str:
    """The domain of the newsletter sender, for Message-IDs (RFC 5322 3.6.4)."""
    return envelope_sender().rpartition("@")[2] or "localhost"


@dataclass(frozen=True)
class NewsletterParts:
    """A campaign rendered in one language, with the placeholder for the unsubscribe link."""

    subject: str
    html_document: str
    html_fragment: Markup
    text: str

    def html_document_with(self, url: str) -> str:
        """The whole HTML part with the recipient's link."""
        return self.html_document.replace(URL_PLACEHOLDER, str(escape(url)))

    def html_fragment_with(self, url: str) -> Markup:
        """What the HTML part's body shows, with the recipient's link (for previews)."""
        return self.html_fragment.replace(URL_PLACEHOLDER, escape(url))

    def text_with(self, url: str) -> str:
        """The plain-text part with the recipient's link."""
        return self.text.replace(URL_PLACEHOLDER, url)


def render_parts(newsletter: Newsletter, language: str, *, test: bool = False) -> NewsletterParts:
    """Render ``email/newsletter.txt`` and ``.html`` in ``language`` around the campaign's text."""
    subject = newsletter.subject(language)
    context = {
        "subject": subject,
        "body_html": render_markdown(newsletter.body(language)),
        "body_text": plain_text(newsletter.body(language)),
        "unsubscribe_url": URL_PLACEHOLDER,
        "language": language,
        "test": test,
    }
    with force_locale(language):
        return NewsletterParts(
            subject=subject,
            html_document=render_template("email/newsletter.html", **context),
            html_fragment=Markup(render_template("email/_newsletter_body.html", **context)),  # noqa: S704 - our own template
            text=render_template("email/newsletter.txt", **context),
        )


class MessageTemplate:
    """One campaign in one language, ready to be addressed to each recipient.

    The headers every recipient shares are encoded once with the ``email`` package; per
    recipient only ASCII headers and the two quoted-printable parts are put together.
    """

    def __init__(self, parts: NewsletterParts, *, url_template: str, campaign_key: str) -> None:
        config = current_app.config
        self.parts = parts
        self.url_template = url_template
        self.campaign_key = campaign_key
        self.domain = message_id_domain()
        self.boundary = "=_joans_" + secrets.token_hex(12)  # "=_" never occurs in QP text
        company = config["COMPANY_EMAIL"]
        self.mailto = f"mailto:{company}?subject=unsubscribe"
        self.shared_headers = b"".join(
            [
                _header("From", config["NEWSLETTER_SENDER"]),
                _header("Reply-To", company),
                _header("Subject", parts.subject),
                _list_id_header(config["NEWSLETTER_LIST_ID"], config["COMPANY_NAME"]),
                b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" + CRLF,
                b"MIME-Version: 1.0" + CRLF,
                f'Content-Type: multipart/alternative; boundary="{self.boundary}"'.encode() + CRLF,
            ]
        )

    def unsubscribe_url(self, token: str) -> str:
        """The recipient's unsubscribe link."""
        return self.url_template.replace(TOKEN_PLACEHOLDER, token)

    def message_id(self, outbox_id: int | None) -> str:
        """A Message-ID that stays the same for every attempt at one outbox row."""
        unique = str(outbox_id) if outbox_id is not None else "test." + secrets.token_hex(8)
        return f"<newsletter.{self.campaign_key}.{unique}@{self.domain}>"

    def build(self, *, to: str, token: str, outbox_id: int | None) -> bytes:
        """The whole message for one recipient, as the bytes that go after SMTP DATA."""
        url = self.unsubscribe_url(token)
        html = self.parts.html_document_with(url)
        text = self.parts.text_with(url)
        boundary = self.boundary.encode()
        return b"".join(
            [
                f"To: {to}".encode() + CRLF,
                f"Date: {formatdate(usegmt=True)}".encode() + CRLF,
                f"Message-ID: {self.message_id(outbox_id)}".encode() + CRLF,
                # RFC 8058 3.1: one https URI (and the mailto: RFC 2369 allows) in one header.
                f"List-Unsubscribe: <{url}>,".encode() + CRLF + f" <{self.mailto}>".encode() + CRLF,
                self.shared_headers,
                CRLF,
                b"--" + boundary + CRLF,
                b'Content-Type: text/plain; charset="utf-8"' + CRLF,
                b"Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF,
                _qp(text) + CRLF,
                b"--" + boundary + CRLF,
                b'Content-Type: text/html; charset="utf-8"' + CRLF,
                b"Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF,
                _qp(html) + CRLF,
                b"--" + boundary + b"--" + CRLF,
            ]
        )


def _list_id_header(list_id: str, company: str) -> bytes:
    # RFC 2919: a phrase, then the list's identifier in angle brackets; ASCII only (N1).
    phrase = company if company.isascii() and company.isprintable() else ""
    value = f"{phrase} newsletter <{list_id}>".strip() if phrase else f"<{list_id}>"
    return f"List-Id: {value}".encode("ascii") + CRLF


def message_template(newsletter: Newsletter, language: str, *, test: bool = False):
    """The campaign's template in ``language``."""
    return MessageTemplate(
        render_parts(newsletter, language, test=test),
        url_template=unsubscribe_url_template(language),
        campaign_key=f"{newsletter.id}.{int(newsletter.created_at.timestamp())}",
    )


def envelope_sender() -> str:
    """The bare address of NEWSLETTER_SENDER, for SMTP's MAIL FROM (where bounces go)."""
    return parseaddr(current_app.config["NEWSLETTER_SENDER"])[1]
