"""DKIM signing: messages built the way the app builds them verify against the public key.

Keys are made in the test; dkimpy verifies with a DNS lookup function that answers the TXT
record a deployment would publish at ``<selector>._domainkey.<domain>``.
"""

from __future__ import annotations

import base64
import re
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

import dkim
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from dkim.asn1 import INTEGER, SEQUENCE, asn1_encode
from flask_mail import Message

from joans.mail_signing import (
    DkimConfigError,
    DkimKey,
    ed25519_key,
    rsa_key,
    sign_message,
    signer_from_config,
)

DOMAIN = "joans.se"
RSA_SELECTOR = "joans2026"
ED25519_SELECTOR = "joans2026e"
UNSUBSCRIBE_URL = "https://joans.se/nyhetsbrev/avregistrera/eyJzIjo0Mn0.aBcDeF.Zx9aQw-1"

NEWSLETTER_HEADERS = [
    "from", "to", "subject", "date", "message-id", "reply-to", "mime-version", "content-type",
    "list-unsubscribe", "list-unsubscribe-post", "list-id", "from",
]  # fmt: skip
TRANSACTIONAL_HEADERS = [
    "from", "to", "subject", "date", "message-id", "mime-version", "content-type", "from",
]  # fmt: skip


class DnsTxt:
    """dkimpy's ``dnsfunc``: the TXT records of one zone, and the names it was asked for."""

    def __init__(self) -> None:
        self.records: dict[bytes, bytes] = {}
        self.asked: list[bytes] = []

    def publish(self, selector: str, record: bytes) -> None:
        self.records[f"{selector}._domainkey.{DOMAIN}.".encode()] = record

    def __call__(self, name: bytes, timeout: float = 5) -> bytes | None:
        self.asked.append(name)
        return self.records.get(name)


@pytest.fixture(scope="module")
def rsa_pem() -> bytes:
    """A 2048-bit RSA private key in the PKCS#1 PEM form dkimpy reads."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())


@pytest.fixture(scope="module")
def ed25519_private() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture
def rsa_signing_key(rsa_pem) -> DkimKey:
    return rsa_key(RSA_SELECTOR, DOMAIN, rsa_pem)


@pytest.fixture
def ed25519_seed(ed25519_private) -> bytes:
    raw = ed25519_private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw)


@pytest.fixture
def dns(rsa_pem, ed25519_private) -> DnsTxt:
    """The zone with both public keys published, as ``dknewkey`` would print them."""
    public = load_pem_private_key(rsa_pem, password=None).public_key()
    spki = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    raw = ed25519_private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    zone = DnsTxt()
    zone.publish(RSA_SELECTOR, b"v=DKIM1; k=rsa; p=" + base64.b64encode(spki))
    zone.publish(ED25519_SELECTOR, b"v=DKIM1; k=ed25519; p=" + base64.b64encode(raw))
    return zone


def newsletter() -> EmailMessage:
    """A newsletter laid out like the outbox's: one-click headers, Swedish text, QP parts."""
    message = EmailMessage(policy=policy.SMTP)
    message["To"] = "Åsa Öberg <asa.oberg@exempel.se>"
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = "<newsletter.7.1767225600.42@joans.se>"
    message["List-Unsubscribe"] = f"<{UNSUBSCRIBE_URL}>, <mailto:info@joans.se?subject=unsubscribe>"
    message["From"] = "Joans <nyheter@joans.se>"
    message["Reply-To"] = "info@joans.se"
    message["Subject"] = "Höstens nyheter: snabbare webbhotell och säkrare e-post"
    message["List-Id"] = "Joans newsletter <nyhetsbrev.joans.se>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(
        "Hej!\n\nVi har flyttat våra servrar till Göteborg.\n"
        ".En rad som börjar med punkt, som SMTP måste skydda.\n\n"
        f"Avregistrera dig: {UNSUBSCRIBE_URL}\n",
        cte="quoted-printable",
    )
    message.add_alternative(
        "<p>Hej! Vi har flyttat våra servrar till <strong>Göteborg</strong>.</p>"
        f'<p><a href="{UNSUBSCRIBE_URL}">Avregistrera dig</a></p>',
        subtype="html",
        cte="quoted-printable",
    )
    return message


def signed_header_names(signed: bytes, index: int = 0) -> list[str]:
    """The ``h=`` tag of the index-th DKIM-Signature, as a list of lower-case names."""
    signatures = re.findall(rb"^DKIM-Signature:(.*?)\r\n(?=\S)", signed, re.M | re.S)
    tags = re.sub(rb"\s+", b"", signatures[index])
    return tags.split(b"h=")[1].split(b";")[0].decode().lower().split(":")


def test_newsletter_signature_covers_the_one_click_headers_and_verifies(rsa_signing_key, dns):
    """RFC 8058 4: List-Unsubscribe and List-Unsubscribe-Post are covered by the signature."""
    signed = sign_message(newsletter(), rsa_signing_key)

    assert signed.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")
    assert signed_header_names(signed) == NEWSLETTER_HEADERS
    assert b"\n" not in signed.replace(b"\r\n", b"")
    assert dkim.verify(signed, dnsfunc=dns)
    assert dns.asked == [b"joans2026._domainkey.joans.se."]


def test_transactional_message_from_flask_mail_verifies(app, rsa_signing_key, dns):
    """An order confirmation with a PDF, as Flask-Mail builds it, is signed without List-*."""
    with app.app_context():
        message = Message(
            subject="Orderbekräftelse för order 1042",
            recipients=["Kund Åkesson <kund@exempel.se>"],
            sender="Joans <order@joans.se>",
            body="Tack för din beställning! Vi hör av oss inom en arbetsdag.\n",
            html="<p>Tack för din beställning! Vi hör av oss inom en arbetsdag.</p>",
        )
        message.attach("faktura-1042.pdf", "application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        raw = message.as_bytes()

    signed = sign_message(raw, rsa_signing_key)

    assert signed_header_names(signed) == TRANSACTIONAL_HEADERS
    assert signed.endswith(raw)
    assert dkim.verify(signed, dnsfunc=dns)


@pytest.mark.parametrize(
    ("what", "old", "new"),
    [
        ("the unsubscribe link", b"avregistrera/eyJ", b"avregistrera/xeyJ"),
        ("the one-click header", b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", b""),
        ("a second From on top", b"To: ", b"From: Bank <security@bank.example>\r\nTo: "),
        ("the body", b"flyttat v", b"flyttot v"),
        ("the list id", b"<nyhetsbrev.joans.se>", b"<annan.joans.se>"),
        ("the reply address", b"Reply-To: info@", b"Reply-To: phish@"),
    ],
)
def test_a_change_after_signing_breaks_the_signature(rsa_signing_key, dns, what, old, new):
    """A relay that alters a signed header, the body, or adds a From fails verification."""
    signed = sign_message(newsletter(), rsa_signing_key)
    assert dkim.verify(signed, dnsfunc=dns)
    body_start = signed.index(b"\r\n\r\n")
    # Change the first occurrence after the signature header (never the signature itself).
    at = signed.index(old, signed.index(b"\r\nTo: ") if what != "the body" else body_start)
    altered = signed[:at] + new + signed[at + len(old) :]

    assert altered != signed
    assert not dkim.verify(altered, dnsfunc=dns), what


def test_refolded_headers_still_verify(rsa_signing_key, dns):
    """Relaxed canonicalisation: whitespace and folding changes in transit are harmless."""
    signed = sign_message(newsletter(), rsa_signing_key)
    header_end = signed.index(b"\r\n\r\n")
    headers, body = signed[:header_end], signed[header_end:]
    refolded = headers.replace(b"Reply-To: info@joans.se", b"Reply-To:   info@joans.se")
    refolded = re.sub(rb"(List-Unsubscribe: <[^>]+>,) ", rb"\1\r\n\t", refolded)

    assert refolded != headers
    assert dkim.verify(refolded + body, dnsfunc=dns)


def test_message_with_bare_line_feeds_is_signed_in_its_wire_form(rsa_signing_key, dns):
    """LF-only input comes back with CRLF line ends (RFC 5322 2.1) and verifies so."""
    raw = (
        b"From: Joans <order@joans.se>\nTo: kund@exempel.se\nSubject: Kvitto\n"
        b"Date: Tue, 01 Dec 2026 09:00:00 +0000\nMessage-ID: <kvitto.1@joans.se>\n"
        b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nTack!\n"
    )
    signed = sign_message(raw, rsa_signing_key)

    assert signed.endswith(raw.replace(b"\n", b"\r\n"))
    assert dkim.verify(signed, dnsfunc=dns)


def test_signature_survives_a_real_smtp_server(rsa_signing_key, dns, smtp_server):
    """What arrives after SMTP (dot-stuffing, CRLF) still verifies."""
    signed = sign_message(newsletter(), rsa_signing_key)
    assert b"\r\n.En rad" in signed  # a line SMTP must dot-stuff (RFC 5321 4.5.2)

    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
        client.sendmail("bounces@joans.se", ["asa.oberg@exempel.se"], signed)

    assert smtp_server.raw[0].rstrip(b"\r\n") == signed.rstrip(b"\r\n")
    assert dkim.verify(smtp_server.raw[0], dnsfunc=dns)


def test_ed25519_adds_a_second_signature_and_both_verify(rsa_signing_key, ed25519_seed, dns):
    """RFC 8463: an Ed25519 signature beside the RSA one; each verifies with its own record."""
    second = ed25519_key(ED25519_SELECTOR, DOMAIN, ed25519_seed)
    signed = sign_message(newsletter(), rsa_signing_key, second)

    verifier = dkim.DKIM(signed)
    assert verifier.verify(idx=0, dnsfunc=dns)
    assert verifier.verify(idx=1, dnsfunc=dns)
    assert b"a=ed25519-sha256" in signed.split(b"\r\nDKIM-Signature:")[1]
    assert signed_header_names(signed, 1) == NEWSLETTER_HEADERS


def test_a_wrong_public_key_fails(rsa_signing_key, dns):
    """A signature made with another key does not verify against the published record."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    signed = sign_message(newsletter(), rsa_key(RSA_SELECTOR, DOMAIN, pem))

    assert not dkim.verify(signed, dnsfunc=dns)


def test_signer_from_config_is_none_without_a_key():
    """No key configured: nothing is signed."""
    assert signer_from_config({}) is None
    assert signer_from_config({"DKIM_PRIVATE_KEY_PATH": None, "DKIM_DOMAIN": DOMAIN}) is None


def test_signer_from_config_reads_both_keys(tmp_path, rsa_pem, ed25519_seed, dns):
    """The settings name the key files; the signer signs with RSA, then Ed25519."""
    (tmp_path / "rsa.key").write_bytes(rsa_pem.replace(b"\n", b"\r\n"))  # a Windows editor
    (tmp_path / "ed25519.key").write_bytes(ed25519_seed + b"\n")
    signer = signer_from_config(
        {
            "DKIM_DOMAIN": DOMAIN,
            "DKIM_SELECTOR": RSA_SELECTOR,
            "DKIM_PRIVATE_KEY_PATH": str(tmp_path / "rsa.key"),
            "DKIM_ED25519_SELECTOR": ED25519_SELECTOR,
            "DKIM_ED25519_PRIVATE_KEY_PATH": tmp_path / "ed25519.key",
        }
    )

    assert [key.algorithm for key in signer.keys] == ["rsa-sha256", "ed25519-sha256"]
    assert "PRIVATE" not in repr(signer) and ed25519_seed.decode() not in repr(signer)
    signed = signer.sign(newsletter())
    assert dkim.DKIM(signed).verify(idx=0, dnsfunc=dns)
    assert dkim.DKIM(signed).verify(idx=1, dnsfunc=dns)


def _pkcs8(pem: bytes) -> bytes:
    key = load_pem_private_key(pem, password=None)
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def _encrypted(pem: bytes) -> bytes:
    key = load_pem_private_key(pem, password=None)
    protection = BestAvailableEncryption(b"a passphrase")
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, protection)


def _ec_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def test_a_pkcs8_key_as_openssl_3_writes_it_works(tmp_path, rsa_pem, dns):
    """``openssl genpkey`` writes PKCS#8 (BEGIN PRIVATE KEY); dkimpy signs with it too."""
    signer = signer_from_config(
        {
            "DKIM_DOMAIN": DOMAIN,
            "DKIM_SELECTOR": RSA_SELECTOR,
            "DKIM_PRIVATE_KEY_PATH": _write(tmp_path / "rsa.key", _pkcs8(rsa_pem)),
        }
    )

    assert dkim.verify(signer.sign(newsletter()), dnsfunc=dns)


def _short_rsa_pem() -> bytes:
    # cryptography refuses to make keys under 1024 bits, so build the PKCS#1 structure by hand.
    numbers = [0, (1 << 511) + 1, 65537, 3, 5, 7, 11, 13, 17]
    integers = [asn1_encode(INTEGER, n.to_bytes(n.bit_length() // 8 + 1, "big")) for n in numbers]
    der = asn1_encode(SEQUENCE, b"".join(integers))
    body = base64.encodebytes(der)
    return b"-----BEGIN RSA PRIVATE KEY-----\n" + body + b"-----END RSA PRIVATE KEY-----\n"


def _write(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


# Each case turns good settings into unusable ones: (what it does, the message expected).
UNUSABLE = {
    "no domain": (lambda config, tmp, pem: config.pop("DKIM_DOMAIN"), "DKIM_DOMAIN must be set"),
    "no selector": (
        lambda config, tmp, pem: config.pop("DKIM_SELECTOR"),
        "DKIM_SELECTOR must be set",
    ),
    "EC key": (
        lambda config, tmp, pem: _write(tmp / "rsa.key", _ec_pem()),
        "not an unencrypted RSA private key in PEM",
    ),
    "encrypted key": (
        lambda config, tmp, pem: _write(tmp / "rsa.key", _encrypted(pem)),
        "not an unencrypted RSA private key in PEM",
    ),
    "short key": (
        lambda config, tmp, pem: _write(tmp / "rsa.key", _short_rsa_pem()),
        "512-bit key; at least 1024 needed",
    ),
    "missing file": (
        lambda config, tmp, pem: config.update(DKIM_PRIVATE_KEY_PATH=str(tmp / "absent.key")),
        "cannot read DKIM key file",
    ),
    "Ed25519 without selector": (
        lambda config, tmp, pem: config.update(
            DKIM_ED25519_PRIVATE_KEY_PATH=_write(tmp / "ed.key", base64.b64encode(bytes(32)))
        ),
        "DKIM_ED25519_SELECTOR must be set",
    ),
    "Ed25519 key not base64": (
        lambda config, tmp, pem: config.update(
            DKIM_ED25519_SELECTOR=ED25519_SELECTOR,
            DKIM_ED25519_PRIVATE_KEY_PATH=_write(tmp / "ed.key", b"not a key!"),
        ),
        "not a base64 Ed25519 private key",
    ),
}


@pytest.mark.parametrize("case", UNUSABLE)
def test_unusable_settings_are_refused_with_a_clear_message(tmp_path, rsa_pem, case):
    """A configured but unusable key stops start-up naming the setting, rather than bad mail."""
    spoil, message = UNUSABLE[case]
    config = {
        "DKIM_DOMAIN": DOMAIN,
        "DKIM_SELECTOR": RSA_SELECTOR,
        "DKIM_PRIVATE_KEY_PATH": _write(tmp_path / "rsa.key", rsa_pem),
    }
    assert signer_from_config(config) is not None
    spoil(config, tmp_path, rsa_pem)

    with pytest.raises(DkimConfigError, match=re.escape(message)):
        signer_from_config(config)
