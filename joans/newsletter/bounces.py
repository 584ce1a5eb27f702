"""Bounces: a return path per message (VERP), what a bounce notice says, and where notices wait.

Each message leaves with its own envelope sender, ``bounces+<token>@joans.se``, where the token
names its outbox row: its id, encrypted and signed, in lower-case base32 (some mail servers
lower-case local parts); no address is in it. A notice about the message comes back to that
address, so the row is known without trusting the address a remote server quotes.
:func:`parse_notice` reads a delivery status notification (RFC 3464) into a :class:`Bounce`;
:func:`process_notices` hands each notice of a Maildir or an IMAP folder to a handler and
deletes the notices it took care of.

Settings (read by :func:`verp_from_config` and :func:`sources_from_config`):

- ``BOUNCE_ADDRESS``: the mailbox notices go to, e.g. ``"bounces@joans.se"``; None means no
  VERP. The mail server must deliver ``bounces+anything@`` there (Postfix's
  ``recipient_delimiter = +``, Exim's ``local_part_suffix = +*``). The token's key is derived
  from ``SECRET_KEY``, so changing that key orphans the notices of mail already sent.
- ``BOUNCE_MAILDIR``: a Maildir the mail server delivers notices to; None means none.
- ``BOUNCE_IMAP_HOST`` (None means no IMAP), ``BOUNCE_IMAP_PORT`` (993), ``BOUNCE_IMAP_SECURITY``
  (``"tls"``, or ``"starttls"`` on port 143; never plain text), ``BOUNCE_IMAP_USER``,
  ``BOUNCE_IMAP_PASSWORD``, ``BOUNCE_IMAP_FOLDER`` (``"INBOX"``), ``BOUNCE_IMAP_TIMEOUT``
  (seconds, 30). The server's certificate is checked against the system's CAs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import imaplib
import mailbox
import re
import ssl
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from email.parser import HeaderParser
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol, Self

# --- VERP: which outbox row a notice is about ---------------------------------------------------

# The separator mail servers strip to find the mailbox (Postfix, Exim, Sendmail and most others).
VERP_DELIMITER = "+"
ID_BYTES = 8  # every id the same length, so a token says nothing about how much mail went out
MAC_BYTES = 10  # 80 bits: guessing a token that suppresses someone's address is hopeless
TOKEN_LENGTH = 29  # base32 of 18 bytes without padding; "bounces+" and it fit in 64 (RFC 5321)
_KEY_PURPOSE = b"joans.newsletter.verp"
_CANDIDATE = re.compile(rf"(?<![a-z2-7])[a-z2-7]{{{TOKEN_LENGTH}}}(?![a-z2-7])", re.IGNORECASE)


@dataclass(frozen=True)
class Verp:
    """Return paths ``local+token@domain`` for outbox rows, and the row back from a token.

    The token is the row id encrypted and authenticated as in SIV (RFC 5297 2.4's idea, with
    HMAC-SHA256): its MAC doubles as the nonce of the id's one-time pad, so a token is the
    same on every attempt at a row, reveals nothing, and cannot be made up or altered.
    """

    address: str  # the bounce mailbox, e.g. "bounces@joans.se"
    key: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, address: str, secret: str | bytes) -> Verp:
        """Derive the token key from the app's secret, for this purpose only."""
        if "@" not in address:
            raise ValueError("the bounce address needs a domain, as in bounces@joans.se")
        secret = secret.encode() if isinstance(secret, str) else secret
        return cls(address, hmac.new(secret, _KEY_PURPOSE, hashlib.sha256).digest())

    def token(self, outbox_id: int) -> str:
        """The row's token: lower-case base32 of its MAC and its encrypted id."""
        plain = outbox_id.to_bytes(ID_BYTES, "big")
        mac = self._prf(b"mac", plain)[:MAC_BYTES]
        hidden = bytes(a ^ b for a, b in zip(plain, self._prf(b"pad", mac), strict=False))
        return base64.b32encode(mac + hidden).decode("ascii").rstrip("=").lower()

    def return_path(self, outbox_id: int) -> str:
        """The envelope sender (SMTP MAIL FROM) for the row's message."""
        local, _, domain = self.address.rpartition("@")
        return f"{local}{VERP_DELIMITER}{self.token(outbox_id)}@{domain}"

    def outbox_id(self, token: str) -> int | None:
        """The row a token names, or None if it is not one of ours (tampered, truncated)."""
        if len(token) != TOKEN_LENGTH:
            return None
        try:
            data = base64.b32decode(token.upper() + "===")
        except (binascii.Error, ValueError):
            return None
        if base64.b32encode(data).decode("ascii").rstrip("=") != token.upper():
            return None  # the last character has a spare bit: one spelling per token
        mac, hidden = data[:MAC_BYTES], data[MAC_BYTES:]
        plain = bytes(a ^ b for a, b in zip(hidden, self._prf(b"pad", mac), strict=False))
        if not hmac.compare_digest(mac, self._prf(b"mac", plain)[:MAC_BYTES]):
            return None
        return int.from_bytes(plain, "big")

    def find(self, text: str) -> int | None:
        """The row of the first valid token anywhere in ``text`` (an address, a Message-ID)."""
        for candidate in _CANDIDATE.findall(text):
            outbox_id = self.outbox_id(candidate)
            if outbox_id is not None:
                return outbox_id
        return None

    def _prf(self, purpose: bytes, data: bytes) -> bytes:
        return hmac.new(self.key, purpose + data, hashlib.sha256).digest()


def verp_from_config(config: Mapping[str, Any]) -> Verp | None:
    """The VERP codec ``BOUNCE_ADDRESS`` and ``SECRET_KEY`` describe, or None without one."""
    address = config.get("BOUNCE_ADDRESS")
    if not address:
        return None
    return Verp.from_secret(address, config["SECRET_KEY"])


# --- Reading a notice ---------------------------------------------------------------------------


class BounceKind(StrEnum):
    """What a notice means for the address."""

    HARD = "hard"  # the address does not work: counts towards suppressing it
    SOFT = "soft"  # this message failed or waits (full mailbox, spam filter, a 4xx): may pass
    UNKNOWN = "unknown"  # no delivery status (an auto-reply, an odd bounce) or not a failure


@dataclass(frozen=True)
class Bounce:
    """What one notice says about one message we sent."""

    outbox_id: int | None  # from the VERP token; None when no valid token was found
    kind: BounceKind
    action: str | None = None  # RFC 3464 2.3.3: failed, delayed, delivered, relayed, expanded
    status: str | None = None  # RFC 3463 enhanced status code, e.g. "5.1.1"
    diagnostic: str | None = None  # the remote server's words, addresses removed
    # Final-Recipient (RFC 3464 2.3.2): personal data, for matching mail sent without VERP;
    # never log it.
    recipient: str | None = field(default=None, repr=False)


# RFC 3463: class 5 is permanent, but only these say that the address itself does not work:
# no such mailbox (5.1.0-5.1.3), moved (5.1.6), a domain that takes no mail (5.1.10, RFC 7505),
# a disabled account (5.2.1), no route to the domain (5.4.4), and 5.0.0 from servers that give
# no detail. A 5.7.x is a spam or policy refusal of this message, 5.2.2 a full mailbox, 5.3.4
# a size limit, 5.1.7 and 5.1.8 our own sender: none is a reason to stop mailing someone.
HARD_STATUSES = frozenset(
    {"5.0.0", "5.1.0", "5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1", "5.4.4"}
)
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
# Addresses, and what servers quote them in, are removed from diagnostics: "<...>", "...".
_ADDRESS = re.compile(r"<[^<>]*>|\"[^\"]*\"|[^\s<>\"'(),;:\[\]]+@[^\s<>\"'(),;:\[\]]+")
DIAGNOSTIC_LENGTH = 200
_REPORT_TYPES = {"message/delivery-status", "message/global-delivery-status"}  # RFC 6533
_RETURNED_TYPES = {
    "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers",
}  # fmt: skip
# Where the notice's own envelope recipient is written by the mail server that delivered it.
_ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
# A notice about several recipients is reported by its worst: failed, then delayed; 5, then 4.
_ACTION_ORDER = {"failed": 0, "delayed": 1}
_CLASS_ORDER = {"5": 0, "4": 1}


def parse_notice(raw: bytes, verp: Verp) -> Bounce:
    """What a notice says: the row from its VERP token, and from its DSN part, if any, the
    status of the (most severe) recipient; without a DSN part the kind is UNKNOWN, never HARD.
    """
    notice = message_from_bytes(raw, policy=policy.compat32)
    report = next((p for p in notice.walk() if p.get_content_type() in _REPORT_TYPES), None)
    blocks = _status_blocks(report) if report is not None else []
    per_message = blocks[0] if blocks and not _is_recipient_block(blocks[0]) else None
    recipients = [block for block in blocks if _is_recipient_block(block)]
    outbox_id = _outbox_id(notice, per_message, verp)
    if not recipients:
        # RFC 3464 is the only format that says what failed and why; anything else is a guess,
        # so the kind stays UNKNOWN and a failure code in the text is kept only for people.
        status = _status_in(_first_text(notice), classes="45")
        return Bounce(outbox_id, BounceKind.UNKNOWN, status=status)
    block = min(recipients, key=_severity)
    action = _field(block, "Action").lower() or None
    diagnostic = _after_type(_field(block, "Diagnostic-Code"))
    status = _status_in(_field(block, "Status"))
    if status is None or status.endswith(".0.0"):
        # Exim and others send "5.0.0" and the remote server's specific code in the diagnostic.
        detail = _status_in(diagnostic)
        if detail and (status is None or detail[0] == status[0]):
            status = detail
    return Bounce(
        outbox_id,
        _kind(action, status),
        action=action,
        status=status,
        diagnostic=_redacted(diagnostic),
        recipient=_after_type(_field(block, "Final-Recipient")) or None,
    )


def _kind(action: str | None, status: str | None) -> BounceKind:
    if action not in (None, "failed", "delayed") or (action is None and status is None):
        return BounceKind.UNKNOWN  # RFC 3464 2.3.3: delivered, relayed, expanded: none failed
    if action != "delayed" and status in HARD_STATUSES:
        return BounceKind.HARD
    return BounceKind.SOFT


def _status_blocks(report: Message) -> list[Message]:
    # RFC 3464 2.1: field blocks separated by blank lines. The email package splits
    # message/delivery-status into them; the UTF-8 variant (RFC 6533) it reads as one message,
    # the first block, with the others as its body, which are split here.
    payload = report.get_payload()
    if not isinstance(payload, list):
        return _blocks_in(_decoded(report))
    blocks: list[Message] = []
    for block in payload:
        if isinstance(block, Message):
            blocks.append(block)
            rest = block.get_payload(decode=True)
            if isinstance(rest, bytes):
                blocks.extend(_blocks_in(rest.decode("utf-8", "replace")))
    return blocks


def _blocks_in(text: str) -> list[Message]:
    chunks = re.split(r"\r?\n[ \t]*\r?\n", text)
    return [HeaderParser().parsestr(chunk.strip() + "\n") for chunk in chunks if chunk.strip()]


def _is_recipient_block(block: Message) -> bool:
    return block.get("Final-Recipient") is not None or block.get("Action") is not None


def _severity(block: Message) -> tuple[int, int]:
    action = _field(block, "Action").lower()
    status = _status_in(_field(block, "Status")) or "-"
    return _ACTION_ORDER.get(action, 2), _CLASS_ORDER.get(status[0], 2)


def _outbox_id(notice: Message, per_message: Message | None, verp: Verp) -> int | None:
    # The notice's own envelope recipient is the VERP address the original was sent from. Some
    # servers write bounces to the wrong address, so the envelope id (RFC 3461 ENVID) and the
    # returned message's headers are tried too; the MAC keeps a token from being made up.
    places = [value for name in _ENVELOPE_HEADERS for value in notice.get_all(name, [])]
    if per_message is not None:
        places.append(_field(per_message, "Original-Envelope-Id"))
    returned = _returned_headers(notice)
    if returned is not None:
        for name in ("X-Joans-Outbox", "Return-Path", "Message-ID"):
            places.extend(returned.get_all(name, []))
    for value in places:
        outbox_id = verp.find(str(value))
        if outbox_id is not None:
            return outbox_id
    return None


def _returned_headers(notice: Message) -> Message | None:
    part = next((p for p in notice.walk() if p.get_content_type() in _RETURNED_TYPES), None)
    if part is None:
        return None
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload and isinstance(payload[0], Message) else None
    return HeaderParser().parsestr(_decoded(part))


def _first_text(notice: Message) -> str:
    part = next((p for p in notice.walk() if p.get_content_type() == "text/plain"), None)
    return _decoded(part) if part is not None else ""


def _decoded(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", "replace")


def _field(block: Message, name: str) -> str:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _after_type(value: str) -> str:
    # RFC 3464 2.3.2, 2.3.6: "rfc822; someone@example.net", "smtp; 550 5.1.1 ...".
    return value.partition(";")[2].strip() if ";" in value else value


def _status_in(text: str, classes: str = "245") -> str | None:
    for match in _STATUS.finditer(text):
        if match.group(1) in classes:
            return ".".join(match.groups())
    return None


def _redacted(diagnostic: str) -> str | None:
    text = " ".join(_ADDRESS.sub("<address>", diagnostic).split())
    return text[:DIAGNOSTIC_LENGTH] or None


# --- Where notices wait -------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One message in a bounce mailbox, and the key to delete it by."""

    key: str
    raw: bytes = field(repr=False)


class NoticeSource(Protocol):
    """A mailbox of notices: opened with ``with``, read, and emptied notice by notice."""

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def notices(self) -> Iterator[Notice]:
        """Every notice waiting now."""
        ...

    def delete(self, notice: Notice) -> None:
        """Remove a notice that has been dealt with."""
        ...


class NoticeSourceError(Exception):
    """A mailbox could not be opened or read; the message names it, never the password."""


class MaildirSource:
    """Notices in a Maildir the mail server delivers to (``mailbox.Maildir``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._box: mailbox.Maildir | None = None

    def __enter__(self) -> Self:
        try:
            self._box = mailbox.Maildir(self.path, factory=None, create=False)
            self._box.keys()  # a missing folder shows here, not halfway through
        except (OSError, mailbox.Error):
            raise NoticeSourceError(f"{self.path} is not a Maildir (new/, cur/, tmp/)") from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._box = None

    def notices(self) -> Iterator[Notice]:
        """Every message in new/ and cur/, oldest first; one removed meanwhile is passed over."""
        box = self._open()
        for key in sorted(box.keys()):  # a list made now: deleting while iterating is safe
            try:
                yield Notice(key, box.get_bytes(key))
            except KeyError:  # another reader deleted it
                continue

    def delete(self, notice: Notice) -> None:
        """Remove the file; already gone is fine."""
        self._open().discard(notice.key)

    def _open(self) -> mailbox.Maildir:
        if self._box is None:
            raise NoticeSourceError("use the Maildir source in a with block")
        return self._box


class ImapSource:
    """Notices in an IMAP folder of their own, over TLS or after STARTTLS (RFC 9051, RFC 8314).

    The folder is expunged when the source closes, removing the notices marked \\Deleted then
    or by an earlier run that stopped: the folder is for bounce notices only.
    """

    def __init__(
        self,
        host: str,
        port: int = 993,
        *,
        user: str,
        password: str,
        folder: str = "INBOX",
        security: Literal["tls", "starttls"] = "tls",
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in ("tls", "starttls"):
            raise ValueError(f"IMAP security must be 'tls' or 'starttls', not {security!r}")
        self.host, self.port, self.user, self.folder = host, port, user, folder
        self.security, self.timeout = security, timeout
        self._password = password
        self._context = ssl_context or ssl.create_default_context()
        self._imap: imaplib.IMAP4 | None = None

    def __repr__(self) -> str:
        return f"ImapSource({self.user}@{self.host}:{self.port}/{self.folder}, {self.security})"

    def __enter__(self) -> Self:
        try:
            if self.security == "tls":
                self._imap = imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=self._context, timeout=self.timeout
                )
            else:
                self._imap = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
                self._imap.starttls(ssl_context=self._context)  # refuses if the server cannot
            # SASL PLAIN (RFC 4616), which every IMAP server has (RFC 3501 11.1), carries a
            # UTF-8 password; LOGIN takes ASCII only.
            credentials = f"\0{self.user}\0{self._password}".encode()
            self._imap.authenticate("PLAIN", lambda _challenge: credentials)
            self._check(self._imap.select(_quoted(self.folder)), "SELECT")
        except (imaplib.IMAP4.error, OSError) as error:
            self._logout()
            raise NoticeSourceError(f"IMAP {self.host}:{self.port}: {error}") from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._imap is not None:
                self._check(self._imap.expunge(), "EXPUNGE")
        finally:
            self._logout()

    def notices(self) -> Iterator[Notice]:
        """Every notice not yet marked deleted; read with PEEK so none is marked seen."""
        imap = self._open()
        uids = self._check(imap.uid("SEARCH", None, "UNDELETED"), "SEARCH")[0].split()
        for uid in uids:
            fetched = self._check(imap.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is not None:  # expunged by someone else since the search
                yield Notice(uid.decode("ascii"), raw)

    def delete(self, notice: Notice) -> None:
        """Mark it \\Deleted; the folder is expunged when the source closes.

        A run that stops in between leaves it marked, and the next run passes it over
        (SEARCH UNDELETED) and expunges it.
        """
        imap = self._open()
        self._check(imap.uid("STORE", notice.key, "+FLAGS.SILENT", "(\\Deleted)"), "STORE")

    def _open(self) -> imaplib.IMAP4:
        if self._imap is None:
            raise NoticeSourceError("use the IMAP source in a with block")
        return self._imap

    def _check(self, response: tuple[str, list[Any]], command: str) -> list[Any]:
        status, data = response
        if status != "OK":
            raise NoticeSourceError(f"IMAP {self.host}: {command} answered {status}")
        return data

    def _logout(self) -> None:
        imap, self._imap = self._imap, None
        if imap is not None:
            try:
                imap.logout()
            except (imaplib.IMAP4.error, OSError):
                with contextlib.suppress(OSError):  # closes the socket, if it has to say so
                    imap.shutdown()


def _quoted(folder: str) -> str:
    # RFC 9051 4.3: a mailbox name with spaces or quotes is sent as a quoted string.
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sources_from_config(config: Mapping[str, Any]) -> list[NoticeSource]:
    """The Maildir and the IMAP folder the ``BOUNCE_*`` settings name (either, both, none)."""
    sources: list[NoticeSource] = []
    if config.get("BOUNCE_MAILDIR"):
        sources.append(MaildirSource(config["BOUNCE_MAILDIR"]))
    if config.get("BOUNCE_IMAP_HOST"):
        sources.append(
            ImapSource(
                config["BOUNCE_IMAP_HOST"],
                int(config.get("BOUNCE_IMAP_PORT") or 993),
                user=config["BOUNCE_IMAP_USER"],
                password=config["BOUNCE_IMAP_PASSWORD"],
                folder=config.get("BOUNCE_IMAP_FOLDER") or "INBOX",
                security=config.get("BOUNCE_IMAP_SECURITY") or "tls",
                timeout=float(config.get("BOUNCE_IMAP_TIMEOUT") or 30),
            )
        )
    return sources


# --- Processing ---------------------------------------------------------------------------------


@dataclass
class NoticeCounts:
    """What one pass over a mailbox did: counts only."""

    read: int = 0
    hard: int = 0
    soft: int = 0
    unknown: int = 0
    deleted: int = 0
    kept: int = 0


def process_notices(
    source: NoticeSource, handle: Callable[[Bounce], bool], verp: Verp
) -> NoticeCounts:
    """Parse every notice in ``source``, give it to ``handle``, delete it if that says True.

    ``handle`` commits its own work before returning True. A crash after that commit and
    before the deletion hands the same notice over again next time, so it must be idempotent
    (a row that bounced once is not counted twice).
    """
    counts = NoticeCounts()
    with source:
        for notice in source.notices():
            bounce = parse_notice(notice.raw, verp)
            counts.read += 1
            counts.hard += bounce.kind is BounceKind.HARD
            counts.soft += bounce.kind is BounceKind.SOFT
            counts.unknown += bounce.kind is BounceKind.UNKNOWN
            if handle(bounce):
                source.delete(notice)
                counts.deleted += 1
            else:
                counts.kept += 1
    return counts
