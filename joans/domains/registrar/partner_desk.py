"""Ilait AB's partner desk: requests go as structured e-mails, staff record the outcome.

Ilait publishes no API we know of. Each request is one e-mail to ``REGISTRAR_EMAIL`` with one
``Label: value`` line per field, in ``REGISTRAR_LANGUAGE``, and our reference, so the desk's
answer can be matched to the domain in the back office.
"""

from __future__ import annotations

import smtplib

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from joans.domains.registrar import Availability, Holder, Outcome, Registrar, RegistrarError
from joans.mail import send_email
from joans.validation import domain_to_ascii

# Subjects in the desk's language, with the domain and our reference for matching replies.
REQUEST_SUBJECTS = {
    "register": lambda **values: _l("Domain registration %(domain)s, ref. %(reference)s", **values),
    "renew": lambda **values: _l("Domain renewal %(domain)s, ref. %(reference)s", **values),
    "transfer_out": lambda **values: _l(
        "Domain transfer out %(domain)s, ref. %(reference)s", **values
    ),
}


class PartnerDeskRegistrar(Registrar):
    """Hands requests to a registrar's partner desk by e-mail."""

    def __init__(self, app: Flask) -> None:
        self.name = app.config["REGISTRAR_NAME"]

    def check_availability(self, domain_name: str) -> Availability:
        """The desk cannot be asked in advance: staff learn it when registering."""
        return Availability.UNKNOWN

    def register(self, domain_name: str, holder: Holder, *, reference: str) -> Outcome:
        """E-mail the registration with the holder's details."""
        self._send("register", domain_name, reference, holder=holder, years=1)
        return Outcome(disclosed_fields=("domain_name", *Holder.field_names()))

    def renew(self, domain_name: str, *, years: int, reference: str) -> Outcome:
        """E-mail the renewal; only the domain name is sent."""
        self._send("renew", domain_name, reference, years=years)
        return Outcome(disclosed_fields=("domain_name",))

    def transfer_out(self, domain_name: str, *, reference: str) -> Outcome:
        """E-mail the request to release the domain; only the domain name is sent."""
        self._send("transfer_out", domain_name, reference)
        return Outcome(disclosed_fields=("domain_name",))

    def _send(self, action: str, domain_name: str, reference: str, **context) -> None:
        address = current_app.config["REGISTRAR_EMAIL"]
        if not address:
            raise RegistrarError("REGISTRAR_EMAIL is not set")
        ascii_name = domain_to_ascii(domain_name)
        try:
            send_email(
                to=address,
                subject=REQUEST_SUBJECTS[action](domain=ascii_name, reference=reference),
                template="registrar_request",
                language=current_app.config["REGISTRAR_LANGUAGE"],
                sender=current_app.config["ORDERS_SENDER"],
                action=action,
                domain_name=domain_name,
                ascii_name=ascii_name,
                reference=reference,
                **context,
            )
        except (smtplib.SMTPException, OSError) as error:
            raise RegistrarError(type(error).__name__) from None
