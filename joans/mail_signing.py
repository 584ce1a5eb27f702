"""DKIM signatures for outgoing mail (RFC 6376), made with dkimpy.

A finished message goes in as bytes (or an ``email`` message) and comes out with one
``DKIM-Signature`` header per key in front of it. The caller sends exactly those bytes: the
``email`` package would refold the headers when it serialises a message again, and a refolded
header no longer matches its signature once canonicalised.

Settings (read by :func:`signer_from_config`; no key path means no signing):

- ``DKIM_DOMAIN``: the ``d=`` domain, e.g. ``"joans.se"``. It must be the domain of every From
  address the app uses, so that DMARC finds the signature aligned (RFC 7489 3.1.1).
- ``DKIM_SELECTOR``: the ``s=`` selector, e.g. ``"joans2025"``; receivers look the public key up
  in DNS at ``<selector>._domainkey.<domain>`` (RFC 6376 3.6.2.1).
- ``DKIM_PRIVATE_KEY_PATH``: an unencrypted RSA private key of at least 1024 bits (2048
  recommended, RFC 8301 3.2) in PEM, PKCS#1 or PKCS#8. ``dknewkey --ktype rsa joans2025``
  (installed with dkimpy) writes it and the DNS record to publish.
- ``DKIM_ED25519_SELECTOR`` and ``DKIM_ED25519_PRIVATE_KEY_PATH`` (optional): a second
  signature with Ed25519 (RFC 8463), checked by receivers that support it and ignored by the
  others, so the RSA one stays for them.
  The key file holds the base64 private key that ``dknewkey --ktype ed25519 NAME`` writes.

Cost: dkimpy computes RSA in pure Python, 15 to 20 ms per signature with a 2048-bit key on our
machines, whatever the message's size; an Ed25519 signature (PyNaCl) costs about 0.3 ms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, Literal

import dkim
import nacl.encoding
import nacl.exceptions
import nacl.signing
from dkim.crypto import UnparsableKeyError, parse_pem_private_key

Algorithm = Literal["rsa-sha256", "ed25519-sha256"]

# What every signature covers, each when the message has it: the fields a reader sees and
# trusts, and the MIME structure. Reply-To too, since replying "stop" is a way to unsubscribe
# (RFC 6376 5.4.1 recommends signing it).
SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"mime-version",
    b"content-type",
    # RFC 8058 4: the one-click pair must be covered by a DKIM signature; RFC 2919 List-Id too.
    b"list-unsubscribe", b"list-unsubscribe-post", b"list-id",
)  # fmt: skip
# RFC 6376 8.15: naming From once more than it occurs signs its absence, so a second From
# added in transit breaks the signature instead of showing the reader another sender.
OVERSIGNED_HEADERS = (b"from",)
# Relaxed canonicalisation survives the re-folding and whitespace changes relays make.
CANONICALIZATION = (b"relaxed", b"relaxed")
MINIMUM_RSA_BITS = 1024  # RFC 8301 3.2: verifiers refuse shorter keys

_BARE_LF = re.compile(rb"(?<!\r)\n")


class DkimConfigError(ValueError):
    """A DKIM setting is missing or its key file cannot be used; the message says which."""


@dataclass(frozen=True)
class DkimKey:
    """One signing key: where receivers find its public half, and the private half."""

    selector: str
    domain: str
    # PEM for RSA, the base64 seed for Ed25519; never shown in a log or a traceback.
    private_key: bytes = field(repr=False)
    algorithm: Algorithm = "rsa-sha256"


def sign_message(message: bytes | Message, *keys: DkimKey) -> bytes:
    """``message`` as CRLF bytes with a ``DKIM-Signature`` header per key in front of it."""
    if isinstance(message, Message):
        message = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    # RFC 5322 2.1: lines end in CRLF on the wire, and the signature is of the wire form.
    message = _BARE_LF.sub(b"\r\n", message)
    signer = dkim.DKIM(message, linesep=b"\r\n")
    present = {name.lower() for name, _ in signer.headers}
    include = [name for name in SIGNED_HEADERS if name in present] + list(OVERSIGNED_HEADERS)
    signatures = [
        signer.sign(
            key.selector.encode("ascii"),
            key.domain.encode("ascii"),
            key.private_key,
            signature_algorithm=key.algorithm.encode("ascii"),
            canonicalize=CANONICALIZATION,
            include_headers=include,
        )
        for key in keys
    ]
    return b"".join(signatures) + message


@dataclass(frozen=True)
class DkimSigner:
    """Signs each message with the configured keys (RSA, then Ed25519 when configured)."""

    keys: tuple[DkimKey, ...]

    def sign(self, message: bytes | Message) -> bytes:
        """``message`` with a signature per key; see :func:`sign_message`."""
        return sign_message(message, *self.keys)


def signer_from_config(config: Mapping[str, Any]) -> DkimSigner | None:
    """The signer the ``DKIM_*`` settings describe, or None when no key is configured.

    Raises :class:`DkimConfigError` when a key is configured but unusable, so a deployment
    finds out at start-up rather than by mail that receivers reject.
    """
    rsa_path = config.get("DKIM_PRIVATE_KEY_PATH")
    if not rsa_path:
        return None
    domain = _required(config, "DKIM_DOMAIN")
    keys = [rsa_key(_required(config, "DKIM_SELECTOR"), domain, _read(rsa_path))]
    ed25519_path = config.get("DKIM_ED25519_PRIVATE_KEY_PATH")
    if ed25519_path:
        selector = _required(config, "DKIM_ED25519_SELECTOR")
        keys.append(ed25519_key(selector, domain, _read(ed25519_path)))
    return DkimSigner(tuple(keys))


def rsa_key(selector: str, domain: str, pem: bytes) -> DkimKey:
    """An RSA key from PEM; raises :class:`DkimConfigError` if dkimpy cannot use it."""
    pem = pem.replace(b"\r\n", b"\n")  # dkimpy finds the key between LF-ended lines only
    try:
        bits = parse_pem_private_key(pem)["modulus"].bit_length()
    except (UnparsableKeyError, IndexError, KeyError, TypeError, ValueError):
        raise DkimConfigError(
            "DKIM_PRIVATE_KEY_PATH: not an unencrypted RSA private key in PEM (PKCS#1 or PKCS#8)"
        ) from None
    if bits < MINIMUM_RSA_BITS:
        raise DkimConfigError(f"DKIM_PRIVATE_KEY_PATH: {bits}-bit key; at least 1024 needed")
    return DkimKey(selector, domain, pem, "rsa-sha256")


def ed25519_key(selector: str, domain: str, seed: bytes) -> DkimKey:
    """An Ed25519 key from its base64 seed; raises :class:`DkimConfigError` if unusable."""
    seed = seed.strip()
    try:
        nacl.signing.SigningKey(seed, encoder=nacl.encoding.Base64Encoder)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise DkimConfigError(
            "DKIM_ED25519_PRIVATE_KEY_PATH: not a base64 Ed25519 private key"
        ) from None
    return DkimKey(selector, domain, seed, "ed25519-sha256")


def _required(config: Mapping[str, Any], name: str) -> str:
    value = config.get(name)
    if not value:
        raise DkimConfigError(f"{name} must be set when a DKIM key is configured")
    return str(value)


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise DkimConfigError(f"cannot read DKIM key file {path}: {error.strerror}") from None
