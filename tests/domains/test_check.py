"""The domain check asks a real DNS server (dnslib, on localhost) whether a name is delegated."""

from __future__ import annotations

import pytest

from joans.domains.check import check_delegation
from joans.domains.registrar import Availability
from tests.dns import EMPTY_NAME, SERVFAIL_NAME, SILENT_NAME, LocalDNSServer

# Short enough to keep the suite quick; the silent server makes the check use all of it.
TIMEOUT = 0.5


@pytest.fixture(params=[False, True], ids=["resolver", "tld-servers"])
def server(request):
    """The test zone served as a recursive resolver answers, and as the TLD's servers do."""
    with LocalDNSServer(authoritative=request.param) as server:
        yield server


def check(server: LocalDNSServer, name: str) -> Availability:
    return check_delegation(name, nameservers=server.nameservers, port=server.port, timeout=TIMEOUT)


@pytest.mark.parametrize("name", ["joans.se", "taget.nu", "example.com"])
def test_a_delegated_name_is_taken(server, name):
    """NS records for the name, as an answer or as a referral, mean someone holds it."""
    assert check(server, name) is Availability.TAKEN
    assert server.asked(name) == ["NS"]


@pytest.mark.parametrize("name", ["ledig.se", "ingen-har-detta.nu", "ledig-adress.com"])
def test_a_name_the_tld_does_not_know_looks_free(server, name):
    """NXDOMAIN from the TLD's zone: nothing delegated, so the name looks free."""
    assert check(server, name) is Availability.AVAILABLE
    assert server.asked(name) == ["NS"]


@pytest.mark.parametrize("name", ["räksmörgås.se", "xn--rksmrgs-5wao1o.se"])
def test_an_idn_name_is_asked_in_its_xn_form(server, name):
    """Unicode or already encoded, the DNS is asked for the xn-- name, which is delegated."""
    assert check(server, name) is Availability.TAKEN
    assert server.asked("xn--rksmrgs-5wao1o.se") == ["NS"]


def test_a_free_idn_name_looks_free(server):
    """An IDN name that is not in the zone looks free, asked as xn--."""
    assert check(server, "blåbär.nu") is Availability.AVAILABLE
    assert server.asked("xn--blbr-noae.nu") == ["NS"]


def test_a_name_with_only_address_records_is_taken(server):
    """No delegation, but the TLD's zone holds records for the name: it is in use."""
    assert check(server, "nic.se") is Availability.TAKEN
    assert server.asked("nic.se") == ["NS", "A"]


def test_a_name_with_only_mail_records_is_taken(server):
    """Other types are asked in turn until one shows the name in use."""
    assert check(server, "post.nu") is Availability.TAKEN
    assert server.asked("post.nu") == ["NS", "A", "AAAA", "MX"]


@pytest.mark.parametrize("name", ["alias.se", "dangling.se"])
def test_an_alias_is_taken(server, name):
    """A CNAME at the name shows it exists, even when its target does not (NXDOMAIN)."""
    assert check(server, name) is Availability.TAKEN


def test_a_name_without_records_of_its_own_looks_free(server):
    """NODATA with the TLD's SOA and no records at the name: nothing shows it is held."""
    assert check(server, "tom.se") is Availability.AVAILABLE
    assert server.asked("tom.se") == ["NS", "A", "AAAA", "MX", "TXT"]


def test_servfail_means_could_not_check(server):
    """A server failure says nothing about the name, and is not asked again."""
    assert check(server, SERVFAIL_NAME) is Availability.UNKNOWN
    assert server.asked(SERVFAIL_NAME) == ["NS"]


def test_refused_means_could_not_check(server):
    """A server that will not answer for the name's TLD tells nothing."""
    assert check(server, "ledig.org") is Availability.UNKNOWN


def test_an_answer_with_neither_records_nor_soa_means_could_not_check(server):
    """NOERROR with nothing at all proves neither a delegation nor an absence."""
    assert check(server, EMPTY_NAME) is Availability.UNKNOWN


def test_a_server_that_never_answers_means_could_not_check(dns_server):
    """The check gives up when its time is up, after asking once."""
    assert check(dns_server, SILENT_NAME) is Availability.UNKNOWN
    assert dns_server.asked(SILENT_NAME) == ["NS"]


def test_a_truncated_answer_is_asked_again_over_tcp():
    """A UDP answer with TC set is fetched again over TCP (RFC 7766), within the same check."""
    with LocalDNSServer(truncated={"joans.se"}) as server:
        assert check(server, "joans.se") is Availability.TAKEN
    assert [query.protocol for query in server.queries] == ["udp", "tcp"]


def test_no_server_listening_means_could_not_check(dns_server):
    """A port where nothing listens gives no answer: could not check."""
    nameservers, port = dns_server.nameservers, dns_server.port
    dns_server.stop()
    result = check_delegation("ledig.se", nameservers=nameservers, port=port, timeout=TIMEOUT)
    assert result is Availability.UNKNOWN


def test_a_silent_first_server_leaves_time_to_ask_the_next():
    """Each server gets its share of the time, so the second one's answer counts."""
    with (
        LocalDNSServer(silent={"joans.se"}) as silent,
        LocalDNSServer(address="127.0.0.2", port=silent.port) as answering,
    ):
        nameservers = silent.nameservers + answering.nameservers
        result = check_delegation(
            "joans.se", nameservers=nameservers, port=silent.port, timeout=TIMEOUT
        )
    assert result is Availability.TAKEN
    assert silent.asked("joans.se") == answering.asked("joans.se") == ["NS"]
