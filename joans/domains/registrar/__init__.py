"""The registrar interface: how domains are checked, registered, renewed and transferred away.

Views and services talk to :func:`get_registrar`, never to a backend. ``REGISTRAR_BACKEND`` names
the class ("module:Class"); the default,
``joans.domains.registrar.partner_desk.PartnerDeskRegistrar``, hands each request to Ilait AB's
partner desk by e-mail, and staff record the outcome. A backend that talks to a registrar's API
returns the outcome at once instead; nothing else changes.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from importlib import import_module

from flask import Flask, current_app


class Availability(StrEnum):
    """Whether a name can be registered, as far as the backend can tell."""

    AVAILABLE = "available"
    TAKEN = "taken"
    UNKNOWN = "unknown"  # the backend cannot ask; staff find out when registering


class RegistrarError(Exception):
    """The request did not reach the registrar; nothing was handed over."""


@dataclass(frozen=True)
class Holder:
    """The domain holder's details, exactly the fields the privacy policy says are shared."""

    company_name: str
    organisation_number: str
    first_name: str
    last_name: str
    street: str
    postal_code: str
    city: str
    phone: str
    email: str

    @classmethod
    def field_names(cls) -> list[str]:
        """The names of the holder's fields, for the disclosure log."""
        return [field.name for field in fields(cls)]


@dataclass(frozen=True)
class Outcome:
    """What a request did: the fields it sent, and the result if the registrar gave one.

    ``completed`` is False when the result comes later (the partner desk answers by e-mail and
    staff record it); an API backend sets it with the dates it was given.
    """

    disclosed_fields: tuple[str, ...]
    completed: bool = False
    registered_on: date | None = None
    expires_on: date | None = None


class Registrar(abc.ABC):
    """One registrar. ``name`` is who receives the data, as the disclosure log names them."""

    name: str

    @abc.abstractmethod
    def check_availability(self, domain_name: str) -> Availability:
        """Whether ``domain_name`` (IDNA-normalised) can be registered."""

    @abc.abstractmethod
    def register(self, domain_name: str, holder: Holder, *, reference: str) -> Outcome:
        """Ask for ``domain_name`` to be registered to ``holder`` for one year."""

    @abc.abstractmethod
    def renew(self, domain_name: str, *, years: int, reference: str) -> Outcome:
        """Ask for ``domain_name`` to be renewed for ``years`` years."""

    @abc.abstractmethod
    def transfer_out(self, domain_name: str, *, reference: str) -> Outcome:
        """Ask for ``domain_name`` to be released to another registrar at the holder's request."""


def get_registrar() -> Registrar:
    """The configured backend, created once per app."""
    registrars = current_app.extensions.setdefault("joans.domains.registrar", {})
    path = current_app.config["REGISTRAR_BACKEND"]
    if path not in registrars:
        registrars[path] = _load(path)(current_app)
    return registrars[path]


def _load(path: str) -> type:
    module_name, _, class_name = path.partition(":")
    backend = getattr(import_module(module_name), class_name)
    if not (isinstance(backend, type) and issubclass(backend, Registrar)):
        raise TypeError(f"REGISTRAR_BACKEND {path!r} is not a Registrar")
    return backend


def init_app(app: Flask) -> None:
    """Fail at start-up, not at the first order, when the backend setting is wrong."""
    _load(app.config["REGISTRAR_BACKEND"])
