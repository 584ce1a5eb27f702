"""A real IMAP server in the test process: pymap's in-memory backend, over TLS or STARTTLS.

pymap is a complete IMAP4rev1 server (SEARCH, FETCH, STORE, EXPUNGE, UIDPLUS); the test talks
to it over a socket with ``imaplib`` as it would to Dovecot or Exchange. Its certificate is made
for the test, and :attr:`InProcessImapServer.client_context` is the only context that trusts it.
"""

from __future__ import annotations

import asyncio
import datetime
import imaplib
import ipaddress
import re
import ssl
import threading
from argparse import Namespace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from proxyprotocol.reader import ProxyProtocolReader
from pymap.backend.dict import DictBackend
from pymap.imap import IMAPServer
from pysasl.hashing import BuiltinHash

HOST = "127.0.0.1"
USER = "bounces"
PASSWORD = "ett långt lösenord för studsar"  # the test server's only account
_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files in ``directory``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "joans test IMAP")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "imap-cert.pem", directory / "imap-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class InProcessImapServer:
    """pymap on 127.0.0.1, one account, speaking TLS from the first byte or after STARTTLS.

    ``implicit_tls=True`` is port 993's TLS (RFC 8314); otherwise the server offers STARTTLS,
    unless ``starttls=False`` makes it a server that cannot encrypt at all.
    """

    def __init__(self, directory: Path, *, implicit_tls: bool = False, starttls: bool = True):
        self.cert_path, self.key_path = self_signed_certificate(directory)
        self.implicit_tls = implicit_tls
        self.starttls = starttls and not implicit_tls
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def security(self) -> str:
        """What ``ImapSource`` must be told to reach this server."""
        return "tls" if self.implicit_tls else "starttls"

    @property
    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.cert_path))

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the IMAP server did not start")

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def connect(self) -> imaplib.IMAP4:
        """A logged-in client with the folder INBOX selected, to fill and inspect the box."""
        if self.implicit_tls:
            client = imaplib.IMAP4_SSL(HOST, self.port, ssl_context=self.client_context, timeout=10)
        else:
            client = imaplib.IMAP4(HOST, self.port, timeout=10)
            client.starttls(ssl_context=self.client_context)
        client.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
        client.select("INBOX")
        return client

    def append(self, *messages: bytes) -> None:
        """Deliver messages into INBOX (IMAP APPEND, as a mail server's delivery agent would)."""
        client = self.connect()
        try:
            for message in messages:
                status, _ = client.append("INBOX", None, None, message)
                assert status == "OK"
        finally:
            client.logout()

    def contents(self) -> list[tuple[bytes, bytes]]:
        """Each message now in INBOX, expunged ones gone: (its flags, its bytes)."""
        client = self.connect()
        try:
            status, data = client.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
        finally:
            client.logout()
        assert status == "OK"
        return [
            (_FLAGS.search(item[0]).group(1), item[1].replace(b"\r\n", b"\n"))
            for item in data
            if isinstance(item, tuple)
        ]

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        arguments = Namespace(
            host=HOST, port=0, debug=False, cert=str(self.cert_path), key=str(self.key_path),
            tls=self.starttls, passlib_cfg=None, proxy_protocol=None,
            demo_data=False, demo_user=USER, demo_password=PASSWORD,
        )  # fmt: skip
        # Few hash rounds: a test logs in several times, and the password is no secret.
        fast_hash = BuiltinHash(rounds=1000)
        backend, config = await DictBackend.init(
            arguments, invalid_user_sleep=0, hash_context=fast_hash
        )
        config.apply_context()
        handler = ProxyProtocolReader(config.proxy_protocol).get_callback(
            IMAPServer(backend.login, config)
        )
        server = await asyncio.start_server(
            handler, HOST, 0, ssl=config.ssl_context if self.implicit_tls else None
        )
        self.port = server.sockets[0].getsockname()[1]
        self._stopping = asyncio.Event()
        self._ready.set()
        async with server:
            await self._stopping.wait()
