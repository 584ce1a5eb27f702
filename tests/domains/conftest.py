"""The local DNS server fixture for the domain tests."""

from tests.dns import dns_server  # noqa: F401 - a fixture, found by name
