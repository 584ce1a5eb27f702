"""Whether a domain name is delegated, asked of the DNS: the check behind "looks free".

DNS can only say that a name *looks* free. A registry's zone holds the names that are delegated
(have NS records), not every name that is registered: a name can be registered and on hold,
withdrawn, in quarantine after deregistration, or simply never given name servers, and the
registry's servers then answer NXDOMAIN for it all the same. So "no delegation" is a hint, and
only the registration confirms a name; a delegation, on the other hand, proves it is taken.

A registrar backend's ``check_availability`` can call :func:`check_delegation`; a backend with a
registrar's API asks the registry instead and gets a definite answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from joans.domains.registrar import Availability
from joans.validation import domain_to_ascii

DEFAULT_TIMEOUT = 2.0

# A name the parent zone holds without delegating it (NOERROR with no NS) may still be in use, for
# a registry's own names for instance. These are the types such a name carries in practice; ANY
# is no help, as resolvers may refuse it or answer with one set (RFC 8482).
OTHER_TYPES = ("A", "AAAA", "MX", "TXT")

logger = logging.getLogger(__name__)


def check_delegation(
    name: str,
    *,
    nameservers: Sequence[str] | None = None,
    port: int = 53,
    timeout: float = DEFAULT_TIMEOUT,
) -> Availability:
    """Whether ``name`` (IDNA-normalised) looks free, is taken, or could not be checked.

    ``nameservers`` (IP addresses) and ``port`` name the servers to ask, a recursive resolver or
    the TLD's own servers; by default the system's resolver is asked. ``timeout`` bounds the
    whole check in seconds, every query included, so a slow DNS never holds up a page.
    ``AVAILABLE`` means only "looks free" (see above). A name that is not IDNA-valid raises
    ``ValueError``: validate it first (``joans.validation.normalise_domain_name``).
    """
    qname = dns.name.from_text(domain_to_ascii(name))
    deadline = time.monotonic() + timeout
    try:
        resolver = _resolver(nameservers, port, timeout)
        return _judge(resolver, qname, deadline)
    except dns.exception.DNSException as error:
        # A timeout, SERVFAIL or REFUSED from every server, or no resolver configured. The name
        # is personal data at times ("annasvensson.se"), so only the kind of failure is logged.
        logger.warning("Domain check could not ask the DNS: %s", type(error).__name__)
        return Availability.UNKNOWN


def _judge(resolver: dns.resolver.Resolver, qname: dns.name.Name, deadline: float) -> Availability:
    answer = _resolve(resolver, qname, "NS", deadline)
    if isinstance(answer, Availability):
        return answer
    authority = answer.response.authority
    if any(rrset.rdtype == dns.rdatatype.NS and rrset.name == qname for rrset in authority):
        # A referral: the TLD's servers, asked directly, point to the name's own servers.
        return Availability.TAKEN
    soa = next((rrset for rrset in authority if rrset.rdtype == dns.rdatatype.SOA), None)
    if soa is None or not qname.is_subdomain(soa.name):
        # Neither an answer nor a proof of absence, e.g. a referral to the TLD from a root server.
        raise dns.resolver.NoAnswer(response=answer.response)
    # NODATA with the parent's SOA (RFC 2308 2.2): the name exists in the TLD's zone but is not
    # delegated. It is taken if it has records of its own; an empty name looks free.
    for rdtype in OTHER_TYPES:
        other = _resolve(resolver, qname, rdtype, deadline)
        if isinstance(other, Availability):
            return other
    return Availability.AVAILABLE


def _resolve(
    resolver: dns.resolver.Resolver, qname: dns.name.Name, rdtype: str, deadline: float
) -> dns.resolver.Answer | Availability:
    """One query within what is left of the time allowed; an Availability if it settles it."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise dns.exception.Timeout(timeout=0.0)
    try:
        answer = resolver.resolve(
            qname, rdtype, raise_on_no_answer=False, lifetime=remaining, search=False
        )
    except dns.resolver.NXDOMAIN as error:
        # RFC 8020: nothing exists at or below the name, so it is not delegated; unless the
        # name is an alias (CNAME) that leads nowhere, which exists all the same.
        if error.canonical_name != qname:
            return Availability.TAKEN
        return Availability.AVAILABLE
    if answer.rrset is not None or answer.canonical_name != qname:
        # Records of the asked type at the name (NS: a resolver's answer from the name's own
        # zone), or an alias from the name to another.
        return Availability.TAKEN
    return answer


def _resolver(
    nameservers: Sequence[str] | None, port: int, timeout: float
) -> dns.resolver.Resolver:
    # configure=True reads the system's resolver settings (/etc/resolv.conf).
    resolver = dns.resolver.Resolver(configure=nameservers is None)
    if nameservers is not None:
        resolver.nameservers = list(nameservers)
    resolver.port = port
    # Each server gets its share of the total, so a silent first server leaves time to ask the
    # next, and the lifetime ends the check after one round: no retries. A SERVFAIL is final
    # rather than asked again (retry_servfail stays False).
    resolver.timeout = timeout / max(1, len(resolver.nameservers))
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver
