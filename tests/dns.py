"""A real DNS server in the test process (dnslib) that answers from a small zone held in memory.

By default it answers as a recursive resolver does: the NS records of a delegated name come in
the answer section. With ``authoritative=True`` it answers as a TLD's own servers do: a
delegated name gets a referral (its NS records in the authority section, no AA flag). A name
that does not exist gets NXDOMAIN and one that exists without the asked type NODATA, both with
the zone's SOA (RFC 2308). Names can also be made to misbehave: SERVFAIL, REFUSED, an empty
answer, a truncated UDP answer (the client must ask again over TCP), or no answer at all.

Point the code under test at ``server.nameservers`` and ``server.port``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import pytest
from dnslib import QTYPE, RCODE, RR, DNSError, DNSLabel, DNSRecord
from dnslib.server import DNSHandler, DNSLogger, DNSServer

# se., nu. and com. as their registries serve them, reduced to the names the tests need.
DOMAIN_ZONE = """
se.                    3600 IN SOA a.ns.se. hostmaster.nic.se. 1 1800 600 864000 7200
se.                    3600 IN NS  a.ns.se.
nu.                    3600 IN SOA a.ns.nu. hostmaster.nic.se. 1 1800 600 864000 7200
nu.                    3600 IN NS  a.ns.nu.
com.                   3600 IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900
com.                   3600 IN NS  a.gtld-servers.net.

; delegated: taken
joans.se.              3600 IN NS  ns1.example.net.
joans.se.              3600 IN NS  ns2.example.net.
taget.nu.              3600 IN NS  ns1.example.net.
example.com.           3600 IN NS  a.iana-servers.net.
; räksmörgås.se
xn--rksmrgs-5wao1o.se. 3600 IN NS  ns1.example.net.

; held in the TLD's zone without a delegation: taken
nic.se.                3600 IN A   192.0.2.10
post.nu.               3600 IN MX  10 mx.example.net.
alias.se.              3600 IN CNAME www.example.net.
dangling.se.           3600 IN CNAME gone.se.

; exists only as the parent of another name (an empty non-terminal): looks free
www.tom.se.            3600 IN A   192.0.2.20
"""

# Names in the zone above that misbehave, for tests of "could not check".
SERVFAIL_NAME = "trasig.se"
SILENT_NAME = "tyst.se"
EMPTY_NAME = "tomt-svar.se"


class Query(NamedTuple):
    """One question the server was asked."""

    name: str
    type: str
    protocol: str


class LocalDNSServer:
    """Answers DNS over UDP and TCP on ``address`` and ``port`` (default: a free one) from ``zone``.

    ``servfail``, ``refused``, ``empty`` and ``silent`` hold names (ASCII, ``xn--`` for IDN)
    answered with SERVFAIL, REFUSED, NOERROR with no records and no SOA, or nothing at all;
    ``truncated`` names get an empty, truncated answer over UDP and the full one over TCP.
    A name outside the zone's TLDs is REFUSED, as an authoritative server does. ``queries``
    records every question, in order.
    """

    def __init__(
        self,
        zone: str = DOMAIN_ZONE,
        *,
        authoritative: bool = False,
        servfail: Iterable[str] = (SERVFAIL_NAME,),
        refused: Iterable[str] = (),
        empty: Iterable[str] = (EMPTY_NAME,),
        silent: Iterable[str] = (SILENT_NAME,),
        truncated: Iterable[str] = (),
        address: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.records: list[RR] = RR.fromZone(zone)
        self.authoritative = authoritative
        self.servfail = set(servfail)
        self.refused = set(refused)
        self.empty = set(empty)
        self.silent = set(silent)
        self.truncated = set(truncated)
        self.queries: list[Query] = []
        self.address = address
        self.port = port  # 0: a free one, chosen at start
        self._servers: list[DNSServer] = []
        self._lock = threading.Lock()

    @property
    def nameservers(self) -> list[str]:
        """The addresses to ask."""
        return [self.address]

    def start(self) -> None:
        """Listen on the port, UDP and TCP alike (a truncated answer is asked again on TCP)."""
        quiet = DNSLogger(logf=lambda _line: None)
        for _attempt in range(5):
            udp = DNSServer(self, address=self.address, port=self.port, logger=quiet)
            port = udp.server.server_address[1]
            try:
                tcp = DNSServer(self, address=self.address, port=port, tcp=True, logger=quiet)
            except OSError:
                udp.server.server_close()
                if self.port:
                    raise
                continue  # the free UDP port is taken for TCP: try another
            self.port = port
            self._servers = [udp, tcp]
            for server in self._servers:
                # A short poll interval, so that stopping takes milliseconds, not a second.
                server.thread = threading.Thread(
                    target=server.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
                )
                server.thread.start()
            return
        raise OSError("no free port for UDP and TCP")

    def stop(self) -> None:
        """Stop answering and close both sockets."""
        for server in self._servers:
            server.server.shutdown()
            server.server.server_close()
            server.thread.join()
        self._servers = []

    def __enter__(self) -> LocalDNSServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def asked(self, name: str) -> list[str]:
        """The types asked for ``name``, in order."""
        return [query.type for query in self.queries if query.name == name]

    # dnslib's resolver interface: called in the server's threads.
    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        """The reply to one request, as a resolver or the TLD's servers would give it."""
        name = _text(request.q.qname)
        qtype = QTYPE[request.q.qtype]
        with self._lock:
            self.queries.append(Query(name, qtype, handler.protocol))
        if name in self.silent:
            raise DNSError("no answer")  # dnslib's handler then sends nothing
        reply = request.reply(ra=int(not self.authoritative), aa=int(self.authoritative))
        apex = self._apex(name)
        if name in self.servfail:
            reply.header.rcode = RCODE.SERVFAIL
        elif name in self.refused or apex is None:
            reply.header.rcode = RCODE.REFUSED
        elif name in self.empty:
            pass
        elif name in self.truncated and handler.protocol == "udp":
            reply.header.tc = 1
        else:
            self._answer(reply, name, qtype, apex)
        return reply

    def _answer(self, reply: DNSRecord, name: str, qtype: str, apex: str) -> None:
        cut = self._cut(name, apex)
        if cut is not None and self.authoritative:
            reply.header.aa = 0  # a referral is not an authoritative answer (RFC 1034 4.3.2)
            reply.add_auth(*self._find(cut, "NS"))
            return
        for _hop in range(8):  # follow CNAMEs inside the zone, as a server does
            aliases = self._find(name, "CNAME") if qtype != "CNAME" else []
            if not aliases:
                break
            reply.add_answer(*aliases)
            name = _text(aliases[0].rdata.label)
            if self._apex(name) is None:
                return  # outside the zones served here: the asker goes on elsewhere
        records = self._find(name, qtype)
        if records:
            reply.add_answer(*records)
            return
        if not self._exists(name):
            reply.header.rcode = RCODE.NXDOMAIN
        reply.add_auth(*self._find(self._apex(name) or apex, "SOA"))

    def _find(self, name: str, qtype: str) -> list[RR]:
        return [
            record
            for record in self.records
            if _text(record.rname) == name and QTYPE[record.rtype] == qtype
        ]

    def _apex(self, name: str) -> str | None:
        # The closest enclosing zone this server has an SOA for.
        labels = name.split(".")
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            if self._find(candidate, "SOA"):
                return candidate
        return None

    def _cut(self, name: str, apex: str) -> str | None:
        # The delegation point at or above ``name`` inside the zone, if any.
        labels = name.split(".")
        for start in range(len(labels) - len(apex.split("."))):
            candidate = ".".join(labels[start:])
            if self._find(candidate, "NS"):
                return candidate
        return None

    def _exists(self, name: str) -> bool:
        # A name exists when it owns records or a name below it does (RFC 8020).
        owners = {_text(record.rname) for record in self.records}
        return any(owner == name or owner.endswith("." + name) for owner in owners)


def _text(label: DNSLabel) -> str:
    return str(label).rstrip(".").lower()


@pytest.fixture
def dns_server() -> Iterator[LocalDNSServer]:
    """A started :class:`LocalDNSServer` answering from ``DOMAIN_ZONE`` as a resolver would."""
    with LocalDNSServer() as server:
        yield server
