"""Bounces: VERP tokens, real delivery status notifications, and the mailboxes they wait in.

The notices in ``data/`` are laid out as Postfix, Exim, Microsoft 365, Gmail, Dovecot's Sieve
vacation and qmail write them, as delivered to the bounce mailbox. Their VERP tokens were made
with the tests' ``SECRET_KEY`` for the outbox ids listed in ``NOTICES``, so they also pin the
token format: a notice that arrives after a deploy must still name its row.
"""

from __future__ import annotations

import mailbox
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joans.newsletter.bounces import (
    TOKEN_LENGTH,
    Bounce,
    BounceKind,
    ImapSource,
    MaildirSource,
    NoticeCounts,
    NoticeSourceError,
    Verp,
    parse_notice,
    process_notices,
    sources_from_config,
    verp_from_config,
)
from tests.conftest import TEST_SECRET_KEY
from tests.imap import HOST, PASSWORD, USER, InProcessImapServer

DATA = Path(__file__).parent / "data"
BOUNCE_ADDRESS = "bounces@joans.se"


def notice(name: str) -> bytes:
    """A notice from ``data/``, as its bytes."""
    return (DATA / name).read_bytes()


# file: (outbox id, kind, action, status, recipient, words the diagnostic keeps)
NOTICES = {
    "postfix-5.1.1-user-unknown.eml": (
        1041, BounceKind.HARD, "failed", "5.1.1", "lisa.lindqvist@exempel.se",
        "550 5.1.1 <address>: Recipient address rejected: User unknown in virtual mailbox table",
    ),
    "exim-550-no-such-user.eml": (
        1042, BounceKind.HARD, "failed", "5.0.0", "per.holm@foretaget.example",
        "550 No such user here",
    ),
    "microsoft-365-ndr-5.1.10.eml": (
        2077, BounceKind.HARD, "failed", "5.1.10", "anders.nyberg@kommun.example",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient <address> not found by SMTP",
    ),
    "gmail-550-5.2.1-account-disabled.eml": (
        31337, BounceKind.HARD, "failed", "5.2.1", "karin.sjoberg@gmail.com",
        "550-5.2.1 The email account that you tried to reach is inactive.",
    ),
    "postfix-4.2.2-mailbox-full-delayed.eml": (
        1043, BounceKind.SOFT, "delayed", "4.2.2", "eva.dahl@exempel.net",
        "452 4.2.2 <address>: Mailbox full",
    ),
    "sieve-vacation-auto-reply.eml": (1044, BounceKind.UNKNOWN, None, None, None, None),
    "qmail-plain-text-bounce.eml": (1045, BounceKind.UNKNOWN, None, "5.1.1", None, None),
}  # fmt: skip


@pytest.fixture
def verp() -> Verp:
    return Verp.from_secret(BOUNCE_ADDRESS, TEST_SECRET_KEY)


# --- VERP ---------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_token_names_its_row_in_lower_case_base32(outbox_id):
    """Any row id round-trips, also when a server upper-cases the local part."""
    verp = Verp.from_secret(BOUNCE_ADDRESS, TEST_SECRET_KEY)
    token = verp.token(outbox_id)

    assert re.fullmatch(rf"[a-z2-7]{{{TOKEN_LENGTH}}}", token)
    assert verp.outbox_id(token) == outbox_id
    assert verp.outbox_id(token.upper()) == outbox_id
    assert verp.token(outbox_id) == token  # every attempt at a row has the same return path


def test_return_path_fits_in_an_smtp_local_part(verp):
    """RFC 5321 4.5.3.1.1: a local part has at most 64 octets."""
    path = verp.return_path(2**63 - 1)
    local, _, domain = path.rpartition("@")

    assert local.startswith("bounces+") and domain == "joans.se"
    assert len(local) <= 64
    assert verp.find(path) == 2**63 - 1


def test_a_changed_character_is_refused(verp):
    """Every one-character change of a token, and a truncated one, names no row."""
    token = verp.token(1041)
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    changed = [
        token[:i] + other + token[i + 1 :]
        for i in range(len(token))
        for other in alphabet
        if other != token[i]
    ]

    assert len(changed) == TOKEN_LENGTH * 31
    assert all(verp.outbox_id(candidate) is None for candidate in changed)
    assert verp.outbox_id(token[:-1]) is None
    assert verp.outbox_id(token + "a") is None


@pytest.mark.parametrize("text", ["", "bounces", "0" * TOKEN_LENGTH, "é" * TOKEN_LENGTH, "=" * 8])
def test_garbage_is_no_token(verp, text):
    """What is not a token names no row and raises nothing."""
    assert verp.outbox_id(text) is None
    assert verp.find(text) is None


def test_a_token_made_with_another_secret_is_refused(verp):
    """The token is bound to this site's secret key."""
    other = Verp.from_secret(BOUNCE_ADDRESS, "another-secret")

    assert verp.outbox_id(other.token(1041)) is None


def test_token_does_not_show_the_row_id(verp):
    """Consecutive rows get unrelated tokens: nobody learns how much mail went out."""
    tokens = [verp.token(outbox_id) for outbox_id in range(1000, 1100)]

    assert len({token[:4] for token in tokens}) == len(tokens)
    assert not any(str(outbox_id) in verp.token(outbox_id) for outbox_id in range(1000, 1100))


def test_verp_from_config_needs_a_bounce_address():
    """No BOUNCE_ADDRESS, no VERP; with one, the key comes from SECRET_KEY."""
    assert verp_from_config({"SECRET_KEY": TEST_SECRET_KEY}) is None
    verp = verp_from_config({"BOUNCE_ADDRESS": BOUNCE_ADDRESS, "SECRET_KEY": TEST_SECRET_KEY})
    assert verp.outbox_id("s6cri2ahyxllqsck35nlagdzhm43m") == 1041
    assert "key" not in repr(verp).replace("key=", "")  # the key is never shown
    with pytest.raises(ValueError, match="needs a domain"):
        Verp.from_secret("bounces", TEST_SECRET_KEY)


# --- Parsing notices ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NOTICES)
def test_real_notices_are_read(verp, name):
    """Each notice gives its row, kind, action, status, recipient, and a diagnostic."""
    outbox_id, kind, action, status, recipient, words = NOTICES[name]
    bounce = parse_notice(notice(name), verp)

    assert (bounce.outbox_id, bounce.kind, bounce.action, bounce.status) == (
        outbox_id,
        kind,
        action,
        status,
    )
    assert bounce.recipient == recipient
    if words is None:
        assert bounce.diagnostic is None
    else:
        assert bounce.diagnostic.startswith(words)
        assert "@" not in bounce.diagnostic
        assert len(bounce.diagnostic) <= 200


@pytest.mark.parametrize("name", NOTICES)
def test_no_address_shows_in_a_bounce_repr(verp, name):
    """A bounce that reaches a log line or a traceback shows no address."""
    assert "@" not in repr(parse_notice(notice(name), verp))


def _without(raw: bytes, *names: str) -> bytes:
    """``raw`` with every header line (and its continuations) of these names removed."""
    alternatives = b"|".join(re.escape(name.encode()) for name in names)
    return re.sub(rb"(?im)^(?:" + alternatives + rb"):.*\n(?:[ \t].*\n)*", b"", raw)


def test_token_is_found_in_the_returned_message_when_the_envelope_lost_it(verp):
    """A notice sent to the wrong address still names its row through the original's headers."""
    envelope = ("Delivered-To", "X-Original-To", "To", "X-Postfix-Sender")
    raw = _without(notice("postfix-5.1.1-user-unknown.eml"), *envelope)
    assert b"bounces+" in raw  # only the returned message has it now

    assert parse_notice(raw, verp).outbox_id == 1041
    raw = _without(raw, "X-Joans-Outbox")
    assert parse_notice(raw, verp).outbox_id == 1041  # from the original's Return-Path
    raw = _without(raw, "Return-Path")
    assert parse_notice(raw, verp).outbox_id is None  # the Message-ID holds no token
    assert parse_notice(raw, verp).kind is BounceKind.HARD


def test_token_is_found_in_the_original_envelope_id(verp):
    """RFC 3461 ENVID: the per-message Original-Envelope-Id names the row too."""
    raw = _without(
        notice("postfix-4.2.2-mailbox-full-delayed.eml"),
        "Delivered-To", "X-Original-To", "To", "X-Postfix-Sender", "X-Joans-Outbox", "Return-Path",
    )  # fmt: skip

    assert b"Original-Envelope-Id: vn5d" in raw
    assert parse_notice(raw, verp).outbox_id == 1043


def test_an_upper_cased_token_still_names_the_row(verp):
    """Some servers upper-case the local part of the address they deliver to."""
    token = b"s6cri2ahyxllqsck35nlagdzhm43m"
    raw = notice("postfix-5.1.1-user-unknown.eml").replace(token, token.upper())

    assert parse_notice(raw, verp).outbox_id == 1041


def test_a_forged_token_names_no_row(verp):
    """A notice with a token changed everywhere counts against no address."""
    token = b"s6cri2ahyxllqsck35nlagdzhm43m"
    raw = notice("postfix-5.1.1-user-unknown.eml").replace(token, b"t" + token[1:])

    bounce = parse_notice(raw, verp)
    assert bounce.outbox_id is None
    assert bounce.kind is BounceKind.HARD


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("5.1.1", BounceKind.HARD),
        ("5.1.10", BounceKind.HARD),
        ("5.2.1", BounceKind.HARD),
        ("5.4.4", BounceKind.HARD),
        ("5.7.1", BounceKind.SOFT),  # refused as spam or by policy: the address works
        ("5.2.2", BounceKind.SOFT),  # mailbox full
        ("5.3.4", BounceKind.SOFT),  # message too big
        ("5.1.7", BounceKind.SOFT),  # our own sender address
        ("4.4.7", BounceKind.SOFT),  # gave up after retrying a temporary failure
    ],
)
def test_only_a_dead_address_is_a_hard_bounce(verp, status, kind):
    """RFC 3463: a permanent failure about the message, not the address, is soft."""
    raw = notice("postfix-5.1.1-user-unknown.eml").replace(
        b"Status: 5.1.1", b"Status: " + status.encode()
    )
    raw = raw.replace(b"Diagnostic-Code: smtp; 550 5.1.1", b"Diagnostic-Code: smtp; 550")

    bounce = parse_notice(raw, verp)
    assert (bounce.status, bounce.kind) == (status, kind)


@pytest.mark.parametrize("action", ["delivered", "relayed", "expanded"])
def test_a_success_notice_is_not_a_bounce(verp, action):
    """RFC 3464 2.3.3: these actions report a message that went on."""
    raw = notice("postfix-5.1.1-user-unknown.eml").replace(
        b"Action: failed", b"Action: " + action.encode()
    )

    assert parse_notice(raw, verp).kind is BounceKind.UNKNOWN


def test_the_most_severe_recipient_is_reported(verp):
    """A notice about several recipients reports the failed one before the delayed one."""
    raw = notice("postfix-5.1.1-user-unknown.eml").replace(
        b"Final-Recipient: rfc822; lisa",
        b"Final-Recipient: rfc822; other@exempel.se\nAction: delayed\nStatus: 4.4.1\n\n"
        b"Final-Recipient: rfc822; lisa",
    )

    bounce = parse_notice(raw, verp)
    assert (bounce.action, bounce.status, bounce.recipient) == (
        "failed",
        "5.1.1",
        "lisa.lindqvist@exempel.se",
    )


def test_an_exim_generic_status_takes_the_code_from_the_diagnostic(verp):
    """Exim writes Status 5.0.0 and puts the remote server's own code in the diagnostic."""
    raw = notice("exim-550-no-such-user.eml").replace(
        b"Diagnostic-Code: smtp; 550 No such user here",
        b"Diagnostic-Code: smtp; 550 5.7.1 Message rejected as spam",
    )

    bounce = parse_notice(raw, verp)
    assert (bounce.status, bounce.kind) == ("5.7.1", BounceKind.SOFT)


def test_a_utf8_delivery_status_is_read(verp):
    """RFC 6533: message/global-delivery-status, as for an internationalised address."""
    raw = notice("postfix-5.1.1-user-unknown.eml").replace(
        b"Content-Type: message/delivery-status",
        b"Content-Type: message/global-delivery-status",
    )
    raw = raw.replace(b"lisa.lindqvist@exempel.se", "lisa.öberg@exempel.se".encode())

    bounce = parse_notice(raw, verp)
    assert (bounce.outbox_id, bounce.kind, bounce.status) == (1041, BounceKind.HARD, "5.1.1")
    assert bounce.recipient == "lisa.öberg@exempel.se"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_parse_without_error(data):
    """Whatever lands in the mailbox, parsing returns a bounce naming no row."""
    verp = Verp.from_secret(BOUNCE_ADDRESS, TEST_SECRET_KEY)
    bounce = parse_notice(data, verp)

    assert isinstance(bounce, Bounce)
    assert bounce.outbox_id is None


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(NOTICES)), st.data())
def test_damaged_notices_parse_without_error(name, data):
    """A real notice with a piece cut out or garbage put in still parses."""
    verp = Verp.from_secret(BOUNCE_ADDRESS, TEST_SECRET_KEY)
    raw = notice(name)
    start = data.draw(st.integers(0, len(raw)))
    end = data.draw(st.integers(start, len(raw)))
    damaged = raw[:start] + data.draw(st.binary(max_size=40)) + raw[end:]

    assert isinstance(parse_notice(damaged, verp), Bounce)


# --- Mailboxes ----------------------------------------------------------------------------------


def keep_what_is_not_a_failure(seen: list[Bounce]):
    """A handler that takes care of every failure of one of our rows and keeps the rest."""

    def handle(bounce: Bounce) -> bool:
        seen.append(bounce)
        return bounce.outbox_id is not None and bounce.kind is not BounceKind.UNKNOWN

    return handle


EXPECTED_COUNTS = NoticeCounts(read=7, hard=4, soft=1, unknown=2, deleted=5, kept=2)
KEPT = {"sieve-vacation-auto-reply.eml", "qmail-plain-text-bounce.eml"}


@pytest.fixture
def maildir(tmp_path) -> Path:
    """A Maildir holding every notice in ``data/``, as the mail server delivered them."""
    path = tmp_path / "bounces"
    box = mailbox.Maildir(path, create=True)
    for name in NOTICES:
        box.add(notice(name))
    return path


def test_maildir_notices_are_handled_and_deleted(maildir, verp):
    """Handled notices are deleted; the rest stay for a person to read."""
    seen: list[Bounce] = []

    counts = process_notices(MaildirSource(maildir), keep_what_is_not_a_failure(seen), verp)

    assert counts == EXPECTED_COUNTS
    assert sorted(b.outbox_id for b in seen) == sorted(n[0] for n in NOTICES.values())
    left = sorted(mailbox.Maildir(maildir, create=False).itervalues(), key=str)
    assert sorted(message.as_bytes() for message in left) == sorted(
        mailbox.MaildirMessage(notice(name)).as_bytes() for name in KEPT
    )


def test_a_second_pass_sees_only_what_was_kept(maildir, verp):
    """Deleted notices are gone for good: nothing is counted twice."""
    process_notices(MaildirSource(maildir), keep_what_is_not_a_failure([]), verp)
    seen: list[Bounce] = []

    counts = process_notices(MaildirSource(maildir), keep_what_is_not_a_failure(seen), verp)

    assert counts == NoticeCounts(read=2, unknown=2, kept=2)
    assert sorted(bounce.outbox_id for bounce in seen) == [1044, 1045]


def test_a_failing_handler_deletes_nothing_it_did_not_finish(maildir, verp):
    """If handling fails, the notice stays and the error reaches the caller."""
    handled: list[Bounce] = []

    def handle(bounce: Bounce) -> bool:
        if len(handled) == 3:
            raise RuntimeError("database gone")
        handled.append(bounce)
        return True

    with pytest.raises(RuntimeError, match="database gone"):
        process_notices(MaildirSource(maildir), handle, verp)

    assert len(mailbox.Maildir(maildir, create=False)) == len(NOTICES) - 3


def test_a_missing_maildir_is_a_clear_error(tmp_path, verp):
    """A wrong BOUNCE_MAILDIR says so instead of reporting zero notices."""
    with pytest.raises(NoticeSourceError, match="is not a Maildir"):
        process_notices(MaildirSource(tmp_path / "nowhere"), keep_what_is_not_a_failure([]), verp)
    (tmp_path / "plain").mkdir()
    with pytest.raises(NoticeSourceError, match="is not a Maildir"):
        process_notices(MaildirSource(tmp_path / "plain"), keep_what_is_not_a_failure([]), verp)


def _imap_server_with_notices(directory: Path, *, implicit_tls: bool):
    server = InProcessImapServer(directory, implicit_tls=implicit_tls)
    server.start()
    server.append(*(notice(name) for name in NOTICES))
    return server


@pytest.fixture
def imap_server(tmp_path):
    """pymap with every notice in INBOX, offering STARTTLS (port 143's way)."""
    server = _imap_server_with_notices(tmp_path, implicit_tls=False)
    yield server
    server.stop()


@pytest.fixture(params=["starttls", "tls"])
def any_imap_server(request, tmp_path):
    """The same, reached by STARTTLS on one run and by TLS from the first byte on the other."""
    server = _imap_server_with_notices(tmp_path, implicit_tls=request.param == "tls")
    yield server
    server.stop()


def imap_source(server: InProcessImapServer, **changes) -> ImapSource:
    options = {
        "user": USER,
        "password": PASSWORD,
        "security": server.security,
        "ssl_context": server.client_context,
        "timeout": 10,
    }
    return ImapSource(HOST, server.port, **{**options, **changes})


def test_imap_notices_are_handled_and_deleted(any_imap_server, verp):
    """Over a real IMAP connection: handled notices are expunged, the others stay unread."""
    seen: list[Bounce] = []
    source = imap_source(any_imap_server)

    counts = process_notices(source, keep_what_is_not_a_failure(seen), verp)

    assert counts == EXPECTED_COUNTS
    assert sorted(b.outbox_id for b in seen) == sorted(n[0] for n in NOTICES.values())
    left = any_imap_server.contents()
    assert sorted(raw for _, raw in left) == sorted(notice(name) for name in KEPT)
    assert all(b"\\Seen" not in flags for flags, _ in left)  # a person still sees them as new


def test_imap_second_pass_sees_only_what_was_kept(imap_server, verp):
    """The expunged notices are gone from the server."""
    process_notices(imap_source(imap_server), keep_what_is_not_a_failure([]), verp)

    counts = process_notices(imap_source(imap_server), keep_what_is_not_a_failure([]), verp)

    assert counts == NoticeCounts(read=2, unknown=2, kept=2)


def test_imap_notices_marked_by_a_run_that_stopped_are_expunged_next_time(imap_server, verp):
    """A notice marked \\Deleted before a crash is not handed over again, and goes next run."""
    client = imap_server.connect()
    client.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
    client.logout()  # no EXPUNGE: as if the worker died before closing

    counts = process_notices(imap_source(imap_server), keep_what_is_not_a_failure([]), verp)

    assert counts == NoticeCounts()
    assert imap_server.contents() == []


def test_imap_with_an_untrusted_certificate_is_refused(any_imap_server, verp):
    """The server's certificate is checked: the system's CAs do not know the test's."""
    source = imap_source(any_imap_server, ssl_context=None)

    with pytest.raises(NoticeSourceError, match="CERTIFICATE_VERIFY_FAILED"):
        process_notices(source, keep_what_is_not_a_failure([]), verp)
    assert len(any_imap_server.contents()) == len(NOTICES)


def test_imap_with_a_wrong_password_is_a_clear_error(imap_server, verp):
    """A refused login says which server; the password shows nowhere."""
    source = imap_source(imap_server, password="fel lösenord")

    with pytest.raises(NoticeSourceError, match=rf"IMAP {HOST}:{imap_server.port}") as raised:
        process_notices(source, keep_what_is_not_a_failure([]), verp)
    assert "fel lösenord" not in str(raised.value)
    assert "fel" not in repr(source)


def test_imap_without_starttls_is_refused(tmp_path, verp):
    """A server that cannot encrypt never gets the password in clear text."""
    server = InProcessImapServer(tmp_path, starttls=False)
    server.start()
    try:
        source = imap_source(server, security="starttls")
        with pytest.raises(NoticeSourceError, match="TLS not supported by server"):
            process_notices(source, keep_what_is_not_a_failure([]), verp)
    finally:
        server.stop()


def test_sources_from_config(tmp_path):
    """BOUNCE_MAILDIR and BOUNCE_IMAP_* make one source each; none configured makes none."""
    assert sources_from_config({}) == []
    maildir, imap = sources_from_config(
        {
            "BOUNCE_MAILDIR": str(tmp_path),
            "BOUNCE_IMAP_HOST": "imap.joans.se",
            "BOUNCE_IMAP_USER": "bounces@joans.se",
            "BOUNCE_IMAP_PASSWORD": "hemligt",
            "BOUNCE_IMAP_SECURITY": "starttls",
            "BOUNCE_IMAP_PORT": "143",
        }
    )
    assert isinstance(maildir, MaildirSource) and maildir.path == tmp_path
    assert repr(imap) == "ImapSource(bounces@joans.se@imap.joans.se:143/INBOX, starttls)"
    plain_text = {"BOUNCE_IMAP_SECURITY": "none", "BOUNCE_IMAP_HOST": "imap.joans.se"}
    with pytest.raises(ValueError, match="'tls' or 'starttls'"):
        sources_from_config({**plain_text, "BOUNCE_IMAP_USER": "u", "BOUNCE_IMAP_PASSWORD": "p"})
